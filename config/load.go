package config

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"

	"github.com/mlform/mlform/config/check"
	"github.com/mlform/mlform/config/lang"
	"github.com/mlform/mlform/config/syntax"
	"github.com/mlform/mlform/config/vars"
	"github.com/mlform/mlform/internal/readfile"
)

// loader holds the work in progress of one Load.
type loader struct {
	dir   string
	opts  LoadOptions
	cfg   *Config
	diags hcl.Diagnostics
	// schema is syntax.FileSchema().
	schema *syntax.Schema

	rawFiles  map[string][]byte // by display name, for the digest
	confFiles []string          // *.mlf.hcl display names, sorted
	broken    map[string]bool   // files with syntax errors
	varsFiles []string          // *.mlfvars base names, sorted

	// decls holds every top-level named block by kind and name.
	decls     map[string]map[string]*hclsyntax.Block
	localDefs map[string]*hclsyntax.Attribute
	mlform    *hclsyntax.Block

	// vs holds the variables (config/vars); cfg.Variables is vs.Vars.
	vs *vars.Set

	policyOf   map[string]string // model -> the retrain policy governing it
	aliasOwner map[string]string // "model@alias" -> the promotion moving it
	// unreadPromotions: promotions not read, because their block is
	// broken or a block they depend on failed. The alias such a promotion
	// moves is unknown, so checkPromotionSources cannot tell a `from`
	// naming it from one naming no alias.
	unreadPromotions map[string]bool
	// publishOwner: publish location (bloburl identity; local: absolute
	// directory) -> the promotion publishing there.
	publishOwner map[string]string

	// instances holds the instance names for_each and count produced
	// (kind -> `NAME["KEY"]` / `NAME[N]`); moved the moved blocks
	// (config/expand.go, config/moved.go).
	instances map[string]map[string]bool
	moved     []*hclsyntax.Block

	// prefix is the module path of the objects this loader declares
	// (`module.region["eu"].`, "" in the root module); reg knows every
	// object of the configuration by absolute name; mod is set in the
	// loader of a module (config/module.go).
	prefix string
	reg    *registry
	mod    *modLoader
	// parsed holds the parse diagnostics of every file read, by display
	// name (the files are in cfg.Files), shared by all loaders of a Load.
	parsed map[string]parsedFile
	// rawFuncs is lang.Functions of the workspace directory, built when a
	// block first calls a function and shared by all loaders of a Load:
	// the Config keeps every scope, and a table per module instance was a
	// third of the live heap of a 1,000-instance fleet.
	rawFuncs func() map[string]function.Function
}

// parsedFile is what parsing a file reported, and where its function
// calls are (calledFunctions).
type parsedFile struct {
	diags hcl.Diagnostics
	calls *lang.CallIndex
}

// Load reads every *.mlf.hcl file in dir (sorted by name) and the
// *.mlfvars files beside them, and returns the evaluated configuration.
//
// When diagnostics hold errors the Config must not be used, except for
// Files (always set for what could be read), which diag.Write needs
// for snippets. File names in diagnostics are dir joined with the file's
// base name ("main.mlf.hcl" when dir is ".").
func Load(dir string, opts LoadOptions) (*Config, hcl.Diagnostics) {
	if dir == "" {
		dir = "."
	}
	l := &loader{
		dir:              dir,
		opts:             opts,
		cfg:              newConfig(dir),
		rawFiles:         map[string][]byte{},
		broken:           map[string]bool{},
		decls:            map[string]map[string]*hclsyntax.Block{},
		localDefs:        map[string]*hclsyntax.Attribute{},
		policyOf:         map[string]string{},
		aliasOwner:       map[string]string{},
		publishOwner:     map[string]string{},
		unreadPromotions: map[string]bool{},
		instances:        map[string]map[string]bool{},
		reg:              newRegistry(),
		parsed:           map[string]parsedFile{},
		// File functions read relative to the workspace in every module,
		// as source and code paths are (docs/language.md, Modules).
		rawFuncs: sync.OnceValue(func() map[string]function.Function { return lang.Functions(dir) }),
	}
	l.vs = vars.NewSet(dir, &l.diags, l.cfg.Files)
	l.cfg.Variables = l.vs.Vars
	l.schema = syntax.FileSchema()
	l.load()
	syntax.SuggestAttributes(l.diags) // before redaction drops the eval contexts
	l.diags = redactDiagnostics(l.diags, l.cfg.Variables)
	fixFunctionSuggestions(l.diags, lang.FunctionNames())
	sortDiagnostics(l.diags)
	return l.cfg, l.diags
}

func newConfig(dir string) *Config {
	return &Config{
		Dir:             dir,
		Files:           map[string]*hcl.File{},
		Backend:         Backend{Type: "blob", URL: DefaultBackendURL},
		Variables:       map[string]*Variable{},
		Locals:          map[string]*Local{},
		Storage:         map[string]*Storage{},
		Environments:    map[string]*Environment{},
		Datasets:        map[string]*Dataset{},
		Models:          map[string]*Model{},
		RetrainPolicies: map[string]*RetrainPolicy{},
		Promotions:      map[string]*Promotion{},
		Outputs:         map[string]*Output{},
		Notifications:   map[string]*Notify{},
	}
}

// display is the name a file in dir has in diagnostics.
func (l *loader) display(base string) string {
	if l.dir == "." {
		return base
	}
	return filepath.Join(l.dir, base)
}

func (l *loader) load() {
	if !l.parseAndCollect() {
		return
	}
	if !l.decodeMLForm() {
		return // a configuration for another mlform version
	}
	if l.opts.BackendOnly {
		return
	}
	if !l.declareAndEvaluate(func() { l.vs.AssignAll(l.given()) }) {
		return
	}
	l.checkMetricTriggers()
	l.decodeMoved()
	l.checkMetricNames()
	l.checkPromotionSources()
	l.checkPlaces()
	if !l.diags.HasErrors() {
		l.cfg.Digest = vars.Digest(l.rawFiles, l.cfg.Variables)
	}
}

// regularFile reports whether a directory entry is a regular file (or a
// symbolic link to one). Directories are skipped silently; a FIFO or a
// device with a configuration name is reported, since reading it could
// block or never end.
func (l *loader) regularFile(e os.DirEntry) bool {
	if e.IsDir() {
		return false
	}
	st, err := os.Stat(filepath.Join(l.dir, e.Name()))
	switch {
	case err != nil:
		l.diags = append(l.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Cannot read configuration file",
			Detail:   fmt.Sprintf("%s: %s.", l.display(e.Name()), errText(err)),
		})
		return false
	case st.IsDir():
		return false
	case !st.Mode().IsRegular():
		l.diags = append(l.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Not a regular file",
			Detail:   fmt.Sprintf("%s is not a regular file (%s); configuration and variables files must be.", l.display(e.Name()), st.Mode().Type()),
		})
		return false
	}
	return true
}

// parseAndCollect reads the configuration files, checks their syntax and
// collects their blocks. It reports false when a file could not be read or
// parsed: references into a file that did not parse would all look
// undeclared, so loading stops at the syntax errors.
func (l *loader) parseAndCollect() bool {
	if !l.readFiles() {
		return false
	}
	for _, name := range l.confFiles {
		if l.broken[name] {
			continue // a partial parse would only add misleading errors
		}
		body := l.cfg.Files[name].Body.(*hclsyntax.Body)
		l.diags = append(l.diags, syntax.CheckBody(body, l.schema, "", body.SrcRange, l.rawFiles[name])...)
		l.diags = append(l.diags, syntax.DuplicateKeys(body)...)
		l.collect(body)
	}
	return len(l.broken) == 0
}

// noConfigDetail says that the working directory dir holds no
// configuration, naming it (not "."), and the nearest directory above it
// that does: running mlform from a subdirectory of a workspace (its
// trainer's, say) is the usual cause. The search stops at the top of a git
// checkout (a directory holding .git), so a stray file above the project
// (in $HOME, in /tmp) is never offered.
func noConfigDetail(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	for sub, d := abs, filepath.Dir(abs); d != sub; sub, d = d, filepath.Dir(d) {
		if _, err := os.Lstat(filepath.Join(sub, ".git")); err == nil {
			break
		}
		if m, _ := filepath.Glob(filepath.Join(d, "*"+FileSuffix)); len(m) > 0 {
			return fmt.Sprintf("%s contains no *%s files, but %s does (%s): run mlform there, or add -chdir=%s to the command.", abs, FileSuffix, d, filepath.Base(m[0]), d)
		}
	}
	return fmt.Sprintf("%s contains no *%s files. Run mlform in the directory that holds the configuration, or use -chdir=DIR.", abs, FileSuffix)
}

// readFiles lists and parses the configuration files. It reports false
// when nothing more can be done.
func (l *loader) readFiles() bool {
	entries, err := os.ReadDir(l.dir)
	if err != nil {
		l.diags = append(l.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Cannot read configuration directory",
			Detail:   fmt.Sprintf("Reading %s: %s.", l.dir, errText(err)),
		})
		return false
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), FileSuffix) || !l.regularFile(e) {
			continue
		}
		l.confFiles = append(l.confFiles, l.display(e.Name()))
	}
	for _, e := range entries {
		if (strings.HasSuffix(e.Name(), VarsSuffix) || strings.HasSuffix(e.Name(), VarsSuffix+".json")) && l.regularFile(e) {
			l.varsFiles = append(l.varsFiles, e.Name()) // sorted: os.ReadDir sorts
		}
	}
	if len(l.confFiles) == 0 {
		d := &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "No configuration files",
			Detail:   fmt.Sprintf("%s contains no *%s files. Run mlform in the directory that holds the configuration, or use -chdir=DIR.", l.dir, FileSuffix),
		}
		if l.mod == nil {
			d.Detail = noConfigDetail(l.dir)
		}
		if m := l.mod; m != nil { // a module's directory: say which call, where
			d.Detail = fmt.Sprintf("The source of %s, %s, contains no *%s files: a module is a directory of them.", m.where, l.dir, FileSuffix)
			d.Subject = m.block.Body.Attributes[metaSource].Expr.Range().Ptr()
		}
		l.diags = append(l.diags, d)
		return false
	}
	for _, name := range l.confFiles { // os.ReadDir sorts by name
		if p, ok := l.parsed[name]; ok {
			// A module called again (for_each): its files parse once.
			l.diags = append(l.diags, p.diags...)
			if p.diags.HasErrors() {
				l.broken[name] = true
			}
			continue
		}
		src, err := readfile.Read(filepath.Join(l.dir, filepath.Base(name)), lang.MaxFileSize)
		if err != nil {
			l.diags = append(l.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Cannot read configuration file",
				Detail:   fmt.Sprintf("Reading %s: %s.", name, errText(err)),
			})
			l.broken[name] = true
			continue
		}
		f, diags := ParseFile(src, name)
		var calls *lang.CallIndex
		if f != nil {
			if body, ok := f.Body.(*hclsyntax.Body); ok && body != nil {
				calls = lang.CountLoopsIndexCalls(body)
			}
		}
		l.diags = append(l.diags, diags...)
		l.cfg.Files[name] = f
		l.rawFiles[name] = src
		l.parsed[name] = parsedFile{diags: diags, calls: calls}
		if diags.HasErrors() {
			l.broken[name] = true
		}
	}
	return true
}

// collect records the top-level blocks of one file by kind and name and
// reports duplicates across all files.
func (l *loader) collect(body *hclsyntax.Body) {
	schema := l.schema
	mlformInFile := false
	for _, b := range body.Blocks {
		ns, ok := schema.Nested[b.Type]
		if !ok || syntax.CheckLabels(b, ns) != nil {
			continue // already reported by checkBody
		}
		switch b.Type {
		case kindMLForm:
			if mlformInFile {
				continue // a second one in this file: reported by CheckBody
			}
			mlformInFile = true
			if l.mlform != nil {
				l.diags = append(l.diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Duplicate mlform block",
					Detail:   fmt.Sprintf("A configuration has at most one mlform block; the first is at %s.", rangeString(l.mlform.DefRange())),
					Subject:  b.DefRange().Ptr(),
				})
				continue
			}
			l.mlform = b
		case kindMoved:
			l.moved = append(l.moved, b)
		case kindLocals:
			for _, name := range sortedAttrNames(b.Body) {
				a := b.Body.Attributes[name]
				if prev, dup := l.localDefs[name]; dup {
					l.diags = append(l.diags, &hcl.Diagnostic{
						Severity: hcl.DiagError,
						Summary:  "Duplicate local value definition",
						Detail:   fmt.Sprintf("A local value named %q was already defined at %s. Local value names must be unique.", name, rangeString(prev.NameRange)),
						Subject:  a.NameRange.Ptr(),
					})
					continue
				}
				l.localDefs[name] = a
			}
		default:
			byName := l.decls[b.Type]
			if byName == nil {
				byName = map[string]*hclsyntax.Block{}
				l.decls[b.Type] = byName
			}
			name := b.Labels[0]
			if prev, dup := byName[name]; dup {
				l.diags = append(l.diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  fmt.Sprintf("Duplicate %s %q", b.Type, name),
					Detail:   fmt.Sprintf("%s %s named %q was already declared at %s. Names must be unique per block type.", article(b.Type), b.Type, name, rangeString(prev.DefRange())),
					Subject:  b.LabelRanges[0].Ptr(),
				})
				continue
			}
			byName[name] = b
		}
	}
}

// decodeMLForm reads the mlform block: required_version and backend. Both
// are static (no references): they are needed before anything else.
func (l *loader) decodeMLForm() (versionOK bool) {
	versionOK = true
	b := l.mlform
	if b == nil {
		return versionOK
	}
	if a, ok := b.Body.Attributes["required_version"]; ok {
		if s, ok := l.vs.StaticString(b.Body, "required_version"); ok {
			l.cfg.RequiredVersion = s
			if err := check.RequiredVersion(s, l.opts.Version); err != nil {
				versionOK = false
				l.diags = append(l.diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  err.Summary,
					Detail:   err.Detail,
					Subject:  a.Expr.Range().Ptr(),
				})
			}
		}
	}
	for _, bb := range b.Body.Blocks {
		if bb.Type != "backend" || len(bb.Labels) != 1 {
			continue
		}
		if bb.Labels[0] != "blob" {
			l.diags = append(l.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Unsupported backend type",
				Detail:   fmt.Sprintf("Backend type %q is not supported: the only backend is \"blob\", which takes any blob URL (file://, mem://, s3://, gs://, azblob://).", bb.Labels[0]),
				Subject:  bb.LabelRanges[0].Ptr(),
			})
			continue
		}
		l.cfg.Backend.Range = bb.DefRange()
		a, ok := bb.Body.Attributes["url"]
		if !ok {
			continue
		}
		if s, ok := l.vs.StaticString(bb.Body, "url"); ok {
			if err := check.BlobURL(s); err != nil {
				l.diags = append(l.diags, urlDiag("url", err, a.Expr.Range()))
				continue
			}
			l.cfg.Backend.URL, l.cfg.Backend.URLRange = s, a.Expr.Range()
		}
	}
	return versionOK
}

// valueOrDynamic returns v, or an unknown value when v was never set (so a
// failed variable does not cascade into more errors).
func valueOrDynamic(v cty.Value) cty.Value {
	if v == cty.NilVal {
		return cty.DynamicVal
	}
	return v
}

// sortDiagnostics orders diagnostics as a reader meets them: those without
// a position first, then by file and offset. The sort is stable, so
// problems found at one place keep their order.
func sortDiagnostics(diags hcl.Diagnostics) {
	sort.SliceStable(diags, func(i, j int) bool {
		a, b := diags[i].Subject, diags[j].Subject
		switch {
		case a == nil || b == nil:
			return a == nil && b != nil
		case a.Filename != b.Filename:
			return a.Filename < b.Filename
		}
		return a.Start.Byte < b.Start.Byte
	})
}

var unknownFunction = regexp.MustCompile(`^There is no function named "([^"]+)".`)

// fixFunctionSuggestions replaces HCL's suggestion for an unknown function
// (the first close name in map order, so it varies between runs) with the
// closest one.
func fixFunctionSuggestions(diags hcl.Diagnostics, names []string) {
	for _, d := range diags {
		if d.Summary != "Call to unknown function" {
			continue
		}
		m := unknownFunction.FindStringSubmatch(d.Detail)
		if m == nil {
			continue
		}
		d.Detail = fmt.Sprintf("There is no function named %q.", m[1])
		if s := suggest(m[1], names); s != "" {
			d.Detail += fmt.Sprintf(" Did you mean %q?", s)
		}
	}
}

// article is "An" before a block type that starts with a vowel ("An output
// named ..."), else "A".
func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "An"
	}
	return "A"
}

// declareAndEvaluate registers the objects and declares the variables,
// gives the variables their values (assign), then evaluates every object
// in dependency order. It reports false, with the diagnostic, when the
// references form a cycle. Everything sound is evaluated, so one run
// reports every problem; objects already reported (a wrong argument, a
// bad reference, a variable without a valid value) are skipped, and so is
// whatever depends on them, so nothing is reported twice.
func (l *loader) declareAndEvaluate(assign func()) bool {
	l.register()
	for _, name := range slices.Sorted(maps.Keys(l.decls[kindVariable])) {
		l.cfg.Variables[name] = l.vs.Declare(l.decls[kindVariable][name])
	}
	assign()
	g := l.buildGraph()
	order, cycle := g.sort()
	if cycle != nil {
		l.diags = append(l.diags, g.cycleDiag(cycle))
		return false
	}
	g.markReported(l.diags, l.vs.Bad)
	l.evaluate(g, order)
	return true
}
