// Package importrules holds the test that keeps mlform's layers apart (see
// docs/internals.md): configuration knows no state, planner or provider;
// providers know no planner, config or CLI; state knows no planner or CLI;
// only the command's main package imports the CLI. A change that crosses a
// line fails here with the chain of imports that crossed it.
package importrules

import (
	"encoding/json"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/mlform/mlform/"

type pkg struct {
	ImportPath string
	Imports    []string
}

// goList runs `go list` with args (which ask for -json) and decodes the
// stream of package objects it prints, one T each.
func goList[T any](t *testing.T, args ...string) []T {
	t.Helper()
	out, err := exec.Command("go", append([]string{"list"}, args...)...).Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []T
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p T
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func TestImportRules(t *testing.T) {
	imports := map[string][]string{}
	for _, p := range goList[pkg](t, "-json", "-tags", "mlformtest", module+"...") {
		imports[rel(p.ImportPath)] = nil
		for _, imp := range p.Imports {
			if strings.HasPrefix(imp, module) {
				imports[rel(p.ImportPath)] = append(imports[rel(p.ImportPath)], rel(imp))
			}
		}
	}
	// rules lists, for packages under a path, the paths they must not depend
	// on, directly or through other packages of this module.
	rules := []struct {
		from      string
		forbidden []string
	}{
		{"config", []string{"planner", "state", "providers", "cli"}},
		// config's leaves know nothing of config itself (config/format,
		// the fmt command, alone uses it).
		{"config/lang", []string{"=config", "config/check", "config/diag", "config/format"}},
		{"config/check", []string{"=config", "config/lang", "config/diag", "config/format"}},
		{"config/diag", []string{"=config", "config/lang", "config/check", "config/format"}},
		{"providers", []string{"planner", "config", "cli"}},
		{"providers/storage/storedoc", []string{"=providers/storage"}},
		// The store's formats are pure: decoded from untrusted bytes and
		// fuzzed, they link no store and no bucket driver.
		{"providers/storage/manifest", []string{"=providers/storage", "providers/blob"}},
		{"providers/storage/packfmt", []string{"=providers/storage", "providers/blob"}},
		{"state", []string{"planner", "cli"}},
		// The state model knows nothing of where a document is kept:
		// backends, the journal and locking are state/statemgr's.
		{"=state", []string{"state/statemgr", "providers"}},
		// The journal's format and replay, and the workspace's backend
		// record (untrusted input, fuzzed), stay light: no backend, no
		// cloud driver.
		{"state/statejournal", []string{"state/statemgr", "providers"}},
		{"state/statemgr/backendrecord", []string{"=state/statemgr", "providers"}},
		// The lock object's decoder (untrusted, fuzzed) likewise: the
		// store's document alphabet (storedoc) but no backend or bucket.
		{"state/statemgr/lockinfo", []string{"=state/statemgr", "state/statejournal", "=providers/storage", "providers/blob"}},
		{"planner", []string{"cli"}},
		{"internal", []string{"cli"}},
		// The planner's own layers (docs/internals.md): the plan model
		// knows nothing else of the planner; the engine knows only the
		// plan model; the steps and workspace operations are siblings that
		// never import each other or the top-level planner ("=planner":
		// that package only, not its sub-packages), which wires them.
		// Plan files are untrusted input too: the plan model links no store.
		{"planner/plans", []string{"=providers/storage", "providers/blob"}},
		{"planner/plans", []string{"=planner", "planner/engine", "planner/dataset", "planner/model", "planner/ops", "planner/render"}},
		{"planner/engine", []string{"=planner", "planner/dataset", "planner/model", "planner/ops", "planner/render"}},
		{"planner/dataset", []string{"=planner", "planner/model", "planner/ops", "planner/render", "planner/retention"}},
		{"planner/model", []string{"=planner", "planner/dataset", "planner/ops", "planner/render", "planner/retention"}},
		{"planner/retention", []string{"=planner", "planner/dataset", "planner/model", "planner/ops", "planner/render"}},
		// What the model steps are built from (planner/model imports them;
		// they import no step): running a step, publishing, notifying,
		// recording provenance.
		{"planner/step", []string{"=planner", "planner/dataset", "planner/model", "planner/ops", "planner/render", "planner/retention", "planner/notify", "planner/provenance"}},
		{"planner/publish", []string{"=planner", "planner/dataset", "planner/model", "planner/ops", "planner/render", "planner/retention", "planner/step"}},
		{"planner/notify", []string{"=planner", "planner/dataset", "planner/model", "planner/ops", "planner/render", "planner/retention", "planner/step"}},
		{"planner/provenance", []string{"=planner", "planner/dataset", "planner/model", "planner/ops", "planner/render", "planner/retention"}},
		{"planner/ops", []string{"=planner", "planner/dataset", "planner/model", "planner/render", "planner/reproduce"}},
		// reproduce re-runs a train step, so it alone of the workspace
		// operations stands on planner/model.
		{"planner/reproduce", []string{"=planner", "planner/dataset", "planner/ops", "planner/render", "planner/retention"}},
		{"planner/policy", []string{"=planner", "planner/engine", "planner/plans", "planner/dataset", "planner/model", "planner/ops"}},
		{"planner/query", []string{"=planner", "planner/engine", "planner/plans", "planner/dataset", "planner/model", "planner/ops"}},
		// The step output redactor (untrusted output, fuzzed) stands on
		// config's placeholder alone: no engine, no step, no driver.
		{"planner/redact", []string{"=planner", "planner/engine", "planner/plans", "planner/step", "planner/model", "providers", "state"}},
		{"planner/codehash", []string{"=planner", "planner/policy", "planner/engine", "planner/plans"}},
		{"planner/observe", []string{"=planner", "planner/engine", "planner/plans"}},
		// The stat cache file (untrusted input, fuzzed) stays light: no
		// scanner, no source, no cloud driver.
		{"planner/observe/statcache", []string{"=planner/observe", "providers/source", "providers/blob", "=providers/storage"}},
		// The dataset include/exclude filter (user patterns, any source's
		// paths; fuzzed) is pure glob matching.
		{"planner/observe/pathfilter", []string{"=planner/observe", "providers", "state"}},
		{"planner/profile", []string{"=planner", "planner/engine", "planner/plans"}},
	}
	if len(imports) < 10 {
		t.Fatalf("go list found only %d packages; is the test running inside the module?", len(imports))
	}
	for from := range imports {
		for _, r := range rules {
			// "=p": package p only, not its sub-packages.
			if exact, ok := strings.CutPrefix(r.from, "="); ok && from != exact || !ok && !under(from, r.from) {
				continue
			}
			for _, chain := range reachable(imports, from) {
				dep := chain[len(chain)-1]
				for _, f := range r.forbidden {
					if exact, ok := strings.CutPrefix(f, "="); ok && dep == exact || !ok && under(dep, f) {
						t.Errorf("%s must not import %s: %s", from, strings.TrimPrefix(f, "="), strings.Join(chain, " -> "))
					}
				}
			}
		}
	}
	// Only the command imports the CLI (and the CLI its own parts).
	for from, deps := range imports {
		for _, d := range deps {
			if under(d, "cli") && !under(from, "cmd") && !under(from, "cli") {
				t.Errorf("%s imports cli; only cmd/mlform may", from)
			}
		}
	}
}

// fuzzedDecoders are the packages holding the fuzz targets of untrusted
// input that were split out of driver-linking packages so that they fuzz
// fast: Go snapshots the coverage of everything a fuzz binary links on every
// execution, and the cloud SDKs made that a few execs/s. Neither the
// package nor its test binary may link a cloud driver.
var fuzzedDecoders = []string{
	"state/statejournal",
	"state/statemgr/backendrecord",
	"state/statemgr/lockinfo",
	"planner/observe/statcache",
	"planner/observe/pathfilter",
	"planner/codehash",
	"planner/redact",
	"planner/plans",
	"providers/storage/manifest",
	"providers/storage/packfmt",
}

// driverPrefixes are the import paths of the cloud SDKs and drivers.
var driverPrefixes = []string{
	"gocloud.dev/blob/s3blob", "gocloud.dev/blob/gcsblob", "gocloud.dev/blob/azureblob",
	"github.com/aws/", "cloud.google.com/", "github.com/Azure/", "k8s.io/",
}

func TestFuzzedDecodersLinkNoDriver(t *testing.T) {
	args := []string{"-json", "-test", "-tags", "mlformtest"}
	for _, p := range fuzzedDecoders {
		args = append(args, module+p)
	}
	type listed struct {
		ImportPath string
		Deps       []string
	}
	seen := 0
	for _, p := range goList[listed](t, args...) {
		seen++
		var drivers []string
		for _, d := range p.Deps {
			if slices.ContainsFunc(driverPrefixes, func(pre string) bool { return strings.HasPrefix(d, pre) }) {
				drivers = append(drivers, d)
			}
		}
		if len(drivers) > 0 {
			t.Errorf("%s links %d cloud driver packages (%s, ...); keep them out, or its fuzz target crawls", rel(p.ImportPath), len(drivers), drivers[0])
		}
	}
	if seen < len(fuzzedDecoders) {
		t.Fatalf("go list returned %d packages for %d names", seen, len(fuzzedDecoders))
	}
}

// reachable returns, for every module package from depends on, one import
// chain leading to it (breadth first, so the shortest).
func reachable(imports map[string][]string, from string) [][]string {
	seen := map[string]bool{from: true}
	queue := [][]string{{from}}
	var out [][]string
	for len(queue) > 0 {
		chain := queue[0]
		queue = queue[1:]
		for _, d := range imports[chain[len(chain)-1]] {
			if seen[d] {
				continue
			}
			seen[d] = true
			next := append(append([]string(nil), chain...), d)
			out = append(out, next)
			queue = append(queue, next)
		}
	}
	return out
}

func rel(p string) string { return strings.TrimPrefix(p, module) }

// under reports whether package p is dir or inside it.
func under(p, dir string) bool { return p == dir || strings.HasPrefix(p, dir+"/") }

func TestUnder(t *testing.T) {
	for _, c := range []struct {
		p, dir string
		want   bool
	}{
		{"config", "config", true},
		{"providers/blob", "providers", true},
		{"providersx", "providers", false},
		{"cmd/mlform", "cli", false},
		{"planner/render", "planner", true},
	} {
		if got := under(c.p, c.dir); got != c.want {
			t.Errorf("under(%q, %q) = %v, want %v", c.p, c.dir, got, c.want)
		}
	}
}
