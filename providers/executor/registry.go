package executor

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Factory builds an executor from its decoded settings (its block in an
// environment; empty when there is none). Values have the types the
// executor declared (Spec.Settings), already checked.
type Factory func(s Settings) (Executor, error)

// Spec is everything an executor declares about itself when it is
// registered: how to build it, which shared environment arguments it acts
// on and the settings of its own block. Adding an executor's settings is a
// declaration here, not parser code: config reads any block named after an
// executor, and validate checks it against Settings.
type Spec struct {
	Factory Factory
	// Honours lists the shared environment arguments the executor acts on
	// beyond those every executor has (executor, files, env): "image" for
	// one that runs steps in a container image. validate refuses a shared
	// argument the chosen executor would silently ignore, since lineage
	// would then claim something that never ran.
	Honours []string
	// Requires lists the shared environment arguments (of Honours) the
	// executor cannot run a step without: "image" for one whose steps run
	// in a container image. validate refuses an environment that chooses
	// the executor without them, before any version number is spent.
	Requires []string
	// Settings declares the arguments of the executor's own block.
	Settings []Setting
	// Validate, when set, checks decoded settings together (two that
	// conflict); each problem is a *SettingError.
	Validate func(Settings) error
}

// Registry maps executor names (`executor = "local"`) to their specs. It
// is built once by the caller (no package globals), so tests can register
// fakes without touching a shared table.
type Registry struct {
	specs map[string]Spec
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{specs: map[string]Spec{}}
}

// Add registers an executor. Registering an empty name, a nil factory, a
// name twice or a setting twice is a programming error and panics, like
// http.ServeMux.
func (r *Registry) Add(name string, s Spec) {
	if name == "" || s.Factory == nil {
		panic("executor: Add with empty name or nil factory")
	}
	if _, dup := r.specs[name]; dup {
		panic("executor: Add called twice for " + name)
	}
	seen := map[string]bool{}
	for _, d := range s.Settings {
		if d.Name == "" || seen[d.Name] || d.Type < String || d.Type > Duration {
			panic(fmt.Sprintf("executor: %s declares setting %q twice, unnamed or without a type", name, d.Name))
		}
		seen[d.Name] = true
	}
	r.specs[name] = s
}

// Register adds an executor with no settings of its own: Add with a Spec
// holding f and the shared arguments it honours.
func (r *Registry) Register(name string, f Factory, honours ...string) {
	r.Add(name, Spec{Factory: f, Honours: honours})
}

// Known reports whether an executor called name is registered.
func (r *Registry) Known(name string) bool {
	_, ok := r.specs[name]
	return ok
}

// Honours reports whether executor name acts on the shared environment
// argument (see Spec.Honours).
func (r *Registry) Honours(name, setting string) bool {
	return slices.Contains(r.specs[name].Honours, setting)
}

// Requires reports whether executor name cannot run a step without the
// shared environment argument (see Spec.Requires).
func (r *Registry) Requires(name, setting string) bool {
	return slices.Contains(r.specs[name].Requires, setting)
}

// Settings lists the settings executor name declares, sorted by name.
func (r *Registry) Settings(name string) []Setting {
	out := slices.Clone(r.specs[name].Settings)
	slices.SortFunc(out, func(a, b Setting) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Names lists the registered executors, sorted.
func (r *Registry) Names() []string {
	return slices.Sorted(maps.Keys(r.specs))
}

// Decode checks raw settings for executor name against its declarations
// and returns them typed. raw holds values as config evaluates them
// (string, float64, bool, []any, map[string]any, nil for unset). Every
// problem is a *SettingError (errors.As, or the joined error's Unwrap()
// []error), so validate can place each at its argument.
func (r *Registry) Decode(name string, raw map[string]any) (Settings, error) {
	spec, ok := r.specs[name]
	if !ok {
		return nil, r.unknown(name)
	}
	s, err := decodeSettings(name, spec.Settings, raw)
	if err != nil {
		return nil, err
	}
	if spec.Validate != nil {
		if err := spec.Validate(s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Open builds the executor called name from its raw settings (see
// Decode). An unknown name is an error that lists the known ones, so a
// typo in `executor = "..."` is easy to fix.
func (r *Registry) Open(name string, raw map[string]any) (Executor, error) {
	s, err := r.Decode(name, raw)
	if err != nil {
		if r.Known(name) {
			return nil, fmt.Errorf("executor %q: %w", name, err)
		}
		return nil, err
	}
	e, err := r.specs[name].Factory(s)
	if err != nil {
		return nil, fmt.Errorf("executor %q: %w", name, err)
	}
	return e, nil
}

func (r *Registry) unknown(name string) error {
	known := "none are registered"
	if names := r.Names(); len(names) > 0 {
		known = "known executors: " + strings.Join(names, ", ")
	}
	return fmt.Errorf("unknown executor %q (%s)", name, known)
}
