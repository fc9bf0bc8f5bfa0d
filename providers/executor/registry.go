package executor

import (
	"fmt"
	"sort"
	"strings"
)

// Factory builds an executor from the options of an environment block.
// Unknown options must be an error naming them.
type Factory func(opts map[string]string) (Executor, error)

// Registry maps executor names (`executor = "local"`) to factories. It is
// built once by the caller (no package globals), so tests can register
// fakes without touching a shared table.
type Registry struct {
	factories map[string]Factory
	settings  map[string]map[string]bool
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{factories: map[string]Factory{}, settings: map[string]map[string]bool{}}
}

// Register adds a factory, with the environment settings the executor
// honours beyond those every executor has (executor, files, env): "image"
// for one that runs steps in a container image. validate refuses a setting
// the chosen executor would silently ignore, since lineage would then claim
// something that never ran. Registering an empty name, a nil factory or a
// name twice is a programming error and panics, like http.ServeMux.
func (r *Registry) Register(name string, f Factory, settings ...string) {
	if name == "" || f == nil {
		panic("executor: Register with empty name or nil factory")
	}
	if _, dup := r.factories[name]; dup {
		panic("executor: Register called twice for " + name)
	}
	r.factories[name] = f
	r.settings[name] = map[string]bool{}
	for _, s := range settings {
		r.settings[name][s] = true
	}
}

// Known reports whether an executor called name is registered.
func (r *Registry) Known(name string) bool {
	_, ok := r.factories[name]
	return ok
}

// Honours reports whether executor name acts on the environment setting
// (see Register).
func (r *Registry) Honours(name, setting string) bool { return r.settings[name][setting] }

// Names lists the registered executors, sorted.
func (r *Registry) Names() []string {
	names := make([]string, 0, len(r.factories))
	for n := range r.factories {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Open builds the executor called name. An unknown name is an error that
// lists the known ones, so a typo in `executor = "..."` is easy to fix.
func (r *Registry) Open(name string, opts map[string]string) (Executor, error) {
	f, ok := r.factories[name]
	if !ok {
		known := "none are registered"
		if names := r.Names(); len(names) > 0 {
			known = "known executors: " + strings.Join(names, ", ")
		}
		return nil, fmt.Errorf("unknown executor %q (%s)", name, known)
	}
	e, err := f(opts)
	if err != nil {
		return nil, fmt.Errorf("executor %q: %w", name, err)
	}
	return e, nil
}
