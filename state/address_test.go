package state_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mlform/mlform/internal/wanterr"
	"github.com/mlform/mlform/state"
	"github.com/mlform/mlform/state/statesample"
)

func TestParseAddress(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want state.Address
		err  string
	}{
		{"dataset.churn", state.Address{Kind: state.AddrDataset, Name: "churn"}, ""},
		{"model.churn", state.Address{Kind: state.AddrModel, Name: "churn"}, ""},
		{"model.churn@7", state.Address{Kind: state.AddrVersion, Name: "churn", Version: 7}, ""},
		{"model.churn@production", state.Address{Kind: state.AddrAlias, Name: "churn", Alias: "production"}, ""},
		{"model.my-model_2@canary-1", state.Address{Kind: state.AddrAlias, Name: "my-model_2", Alias: "canary-1"}, ""},
		{"dataset.churn@72f28763", state.Address{Kind: state.AddrSnapshot, Name: "churn", Snapshot: "72f28763"}, ""},
		{"dataset.churn@72f2876", state.Address{}, "not a snapshot id"},
		{"dataset.churn@72f2876g", state.Address{}, "not a snapshot id"},
		{"dataset.churn@", state.Address{}, "not a snapshot id"},
		{"dataset.@72f28763", state.Address{}, "not a dataset name"},
		{"churn", state.Address{}, "want dataset.NAME"},
		{"dataset.", state.Address{}, "not a dataset name"},
		{"dataset.a/b", state.Address{}, "not a dataset name"},
		{"model.churn@0", state.Address{}, "not a version number"},
		{"model.churn@7x", state.Address{}, "not a version number"},
		{"model.churn@99999999999999999999", state.Address{}, "not a version number"},
		{"model.churn@", state.Address{}, "neither a version number nor an alias"},
		{"model.churn@a b", state.Address{}, "neither"},
		{"model.@1", state.Address{}, "not a model name"},
		{"policy.p", state.Address{}, `unknown kind "policy"`},
		{`model.churn["eu"]`, state.Address{Kind: state.AddrModel, Name: `churn["eu"]`}, ""},
		{`model.churn["eu-1"]@3`, state.Address{Kind: state.AddrVersion, Name: `churn["eu-1"]`, Version: 3}, ""},
		{"model.churn[0]@production", state.Address{Kind: state.AddrAlias, Name: "churn[0]", Alias: "production"}, ""},
		{`dataset.sales["eu"]@72f28763`, state.Address{Kind: state.AddrSnapshot, Name: `sales["eu"]`, Snapshot: "72f28763"}, ""},
		{"model.churn[eu]", state.Address{}, `instance key [eu] must be quoted: ["eu"] (in a shell, put the whole address in single quotes)`},
		{`model.churn["../x"]`, state.Address{}, "only ASCII letters, digits, _ and -"},
		{`model.churn["a"]["b"]`, state.Address{}, "only ASCII letters"},
		{"model.churn[01]", state.Address{}, "is not an instance key"},
		{`model.["eu"]`, state.Address{}, "not a model name"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := state.ParseAddress(tc.in)
			if wanterr.Check(t, err, tc.err) {
				return
			}
			if got != tc.want {
				t.Fatalf("ParseAddress(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
			}
			if got.String() != tc.in {
				t.Errorf("String() = %q, want %q", got.String(), tc.in)
			}
		})
	}
}

func TestAddresses(t *testing.T) {
	s := statesample.Sample()
	s.Models["churn"].Versions[0], s.Models["churn"].Versions[1] = s.Models["churn"].Versions[1], s.Models["churn"].Versions[0]
	var got []string
	for _, a := range s.Addresses() {
		got = append(got, a.String())
	}
	want := "dataset.churn model.churn model.churn@1 model.churn@2 model.churn@3 model.churn@production"
	if strings.Join(got, " ") != want {
		t.Errorf("Addresses = %v, want %s", got, want)
	}
}

func TestAddressesUnder(t *testing.T) {
	s := statesample.Sample()
	s.Datasets["events"] = &state.Dataset{Name: "events"}
	s.Datasets[`sales["eu"]`] = &state.Dataset{Name: `sales["eu"]`}
	fleet := s.EnsureModel(`fleet["eu"]`)
	fleet.Versions = append(fleet.Versions, &state.Version{Version: 1})
	s.EnsureModel("fleet2")
	for _, tc := range []struct {
		filters []string
		want    string
	}{
		{nil, `dataset.churn dataset.events dataset.sales["eu"] model.churn model.churn@1 model.churn@2 model.churn@3 model.churn@production model.fleet2 model.fleet["eu"] model.fleet["eu"]@1`},
		{[]string{"model.fleet"}, `model.fleet["eu"] model.fleet["eu"]@1`},
		{[]string{`model.fleet["eu"]`}, `model.fleet["eu"] model.fleet["eu"]@1`},
		{[]string{`model.fleet["us"]`}, ""},
		{[]string{"dataset.sales"}, `dataset.sales["eu"]`},
		{[]string{"model.churn"}, "model.churn model.churn@1 model.churn@2 model.churn@3 model.churn@production"},
		{[]string{"model.churn@2", "dataset.events"}, "dataset.events model.churn@2"},
		{[]string{"model.churn@production"}, "model.churn@production"},
		{[]string{"model.other"}, ""},
	} {
		var filters []state.Address
		for _, f := range tc.filters {
			a, err := state.ParseAddress(f)
			if err != nil {
				t.Fatal(err)
			}
			filters = append(filters, a)
		}
		var got []string
		for _, a := range s.AddressesUnder(filters) {
			got = append(got, a.String())
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("AddressesUnder(%v) = %v, want %s", tc.filters, got, tc.want)
		}
	}
}

func TestRemove(t *testing.T) {
	for _, tc := range []struct {
		addr  string
		err   string
		check func(t *testing.T, s *state.State)
	}{
		{"dataset.churn", "used by recorded versions model.churn@1, model.churn@2, model.churn@3: remove them first, or use -force", nil},
		{"dataset.churn@" + fmt.Sprintf("%064x", 0xd5001), "used by recorded version model.churn@1: remove it first", nil},
		{"model.churn@3", "", func(t *testing.T, s *state.State) {
			m := s.Models["churn"]
			if m.Version(3) != nil || len(m.Versions) != 2 || m.NextVersion != 4 {
				t.Errorf("versions %d, next %d", len(m.Versions), m.NextVersion)
			}
		}},
		{"model.churn@2", "alias production points", nil},
		{"model.churn@production", "", func(t *testing.T, s *state.State) {
			if len(s.Models["churn"].Aliases) != 0 || s.Models["churn"].Version(2) == nil {
				t.Error("alias not removed, or its version removed with it")
			}
		}},
		{"model.churn", "", func(t *testing.T, s *state.State) {
			if s.Models["churn"] != nil {
				t.Fatal("model still there")
			}
			// Declared again, it continues its numbering.
			if n := s.NextVersion("churn"); n != 4 {
				t.Errorf("NextVersion of a removed model = %d, want 4", n)
			}
			if n := s.NextVersion("never"); n != 1 {
				t.Errorf("NextVersion of an unknown model = %d, want 1", n)
			}
			if m := s.EnsureModel("churn"); m.NextVersion != 4 {
				t.Errorf("re-created model starts at %d, want 4", m.NextVersion)
			}
		}},
		{"model.churn@9", "not in the state", nil},
		{"dataset.none", "not in the state", nil},
		{"model.none@production", "not in the state", nil},
	} {
		t.Run(tc.addr, func(t *testing.T) {
			s := statesample.Sample()
			a, err := state.ParseAddress(tc.addr)
			if err != nil {
				t.Fatal(err)
			}
			err = s.Remove(a)
			if wanterr.Check(t, err, tc.err) {
				return
			}
			tc.check(t, s)
			if _, err := state.Encode(s); err != nil {
				t.Errorf("state after Remove is invalid: %v", err)
			}
		})
	}
}

func TestRemoveVersionDropsItsEvaluationsAndApprovals(t *testing.T) {
	s := statesample.Sample()
	m := s.Models["churn"]
	m.Aliases["production"].Version = 1
	m.Approvals = []*state.Approval{{Promotion: "p", Alias: "production", Version: 2, By: "ann@h"}, {Promotion: "p", Alias: "production", Version: 1, By: "bob@h"}}
	if err := s.Remove(state.Address{Kind: state.AddrVersion, Name: "churn", Version: 2}); err != nil {
		t.Fatal(err)
	}
	if len(m.Evaluations) != 0 {
		t.Errorf("evaluations of the removed version remain: %+v", m.Evaluations)
	}
	// An approval is for one version and goes with it.
	if len(m.Approvals) != 1 || m.Approvals[0].Version != 1 {
		t.Errorf("approvals after removing v2: %+v", m.Approvals)
	}
}

func TestWriteHuman(t *testing.T) {
	s := statesample.Sample()
	s.Models["churn"].Versions[0].Error = "boom\x1b[31m\nsecond line"
	for _, tc := range []struct {
		addr string
		want []string
	}{
		{"dataset.churn", []string{"# dataset.churn", "snapshots: 2", "4 files", "1000 B", "2.0 KiB", "current: " + s.Datasets["churn"].Snapshots[1].ID}},
		{"model.churn", []string{"next_version: 4", "versions: 3", "v3  failed", "production  -> v2"}},
		{"model.churn@1", []string{"status:", "succeeded", `{"epochs":30,"learning_rate":0.05}`, `["./train","--fast"]`, "accuracy:", "boom [31m second line"}},
		{"model.churn@production", []string{"version: v2", "history: 2", "v1 -> v2", "by bob", "beats v1 on accuracy", "(new) -> v1"}},
	} {
		t.Run(tc.addr, func(t *testing.T) {
			a, _ := state.ParseAddress(tc.addr)
			obj, err := s.Lookup(a)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			if err := state.WriteHuman(&b, a, obj); err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, b.String())
				}
			}
			if strings.ContainsRune(b.String(), '\x1b') {
				t.Error("a control character from the state reached the output")
			}
		})
	}
}

// TestRemoveLineage checks that lineage survives removals: forced removals
// keep the records versions use, and they go once no version uses them.
func TestRemoveLineage(t *testing.T) {
	id1, id2 := fmt.Sprintf("%064x", 0xd5001), fmt.Sprintf("%064x", 0xd5002)
	parse := func(t *testing.T, s string) state.Address {
		t.Helper()
		a, err := state.ParseAddress(s)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	for _, tc := range []struct {
		name  string
		steps []string // "!" prefix: ForceRemove
		// retained lists the ids left in retained_snapshots.churn;
		// history the ids left in the dataset's history ("-": no dataset).
		retained, history []string
		format            int
	}{
		{"force dataset keeps used snapshots", []string{"!dataset.churn"}, []string{id1, id2}, nil, 2},
		{"force snapshot keeps it", []string{"!dataset.churn@" + id1}, []string{id1}, []string{id2}, 2},
		{"unused snapshot goes", []string{"model.churn@1", "dataset.churn@" + id1}, nil, []string{id2}, 1},
		{"versions removed later prune", []string{"!dataset.churn", "model.churn@1"}, []string{id2}, nil, 2},
		{"model removed prunes all", []string{"!dataset.churn", "model.churn"}, nil, nil, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := statesample.Sample()
			for _, step := range tc.steps {
				var err error
				if rest, ok := strings.CutPrefix(step, "!"); ok {
					err = s.ForceRemove(parse(t, rest))
				} else {
					err = s.Remove(parse(t, step))
				}
				if err != nil {
					t.Fatalf("%s: %v", step, err)
				}
			}
			var retained, history []string
			if d := s.RetainedSnapshots["churn"]; d != nil {
				for _, sn := range d.Snapshots {
					retained = append(retained, sn.ID)
				}
			}
			if d := s.Datasets["churn"]; d != nil {
				for _, sn := range d.Snapshots {
					history = append(history, sn.ID)
				}
			}
			if fmt.Sprint(retained) != fmt.Sprint(tc.retained) || fmt.Sprint(history) != fmt.Sprint(tc.history) {
				t.Errorf("retained %v history %v, want %v %v", retained, history, tc.retained, tc.history)
			}
			for _, id := range tc.retained {
				if sn := s.FindSnapshot("churn", id); sn == nil || sn.Store != "default" {
					t.Errorf("FindSnapshot(%s) = %+v, want the retained record", id[len(id)-4:], sn)
				}
			}
			roundTrip(t, s, tc.format)
		})
	}
}

func TestRemoveRefusals(t *testing.T) {
	s := statesample.Sample()
	a, _ := state.ParseAddress("model.churn@2")
	var iu *state.InUseError
	if err := s.ForceRemove(a); !errors.As(err, &iu) || !iu.Alias || iu.Users[0].String() != "model.churn@production" {
		t.Errorf("ForceRemove of an aliased version: %v, want an alias InUseError naming model.churn@production", err)
	}
	s.Datasets["churn"].Snapshots = append(s.Datasets["churn"].Snapshots, &state.Snapshot{ID: fmt.Sprintf("%064x", 0xd6001), Store: "default"})
	a, _ = state.ParseAddress("dataset.churn@00000000")
	if err := s.Remove(a); err == nil || !strings.Contains(err.Error(), "ambiguous") {
		t.Errorf("Remove of an ambiguous prefix: %v", err)
	}
	a, _ = state.ParseAddress("dataset.churn@ffffffff")
	if err := s.Remove(a); err == nil || !strings.Contains(err.Error(), "has no snapshot ffffffff") {
		t.Errorf("Remove of an unknown snapshot: %v", err)
	}
}

func TestLookupNamesInstances(t *testing.T) {
	s := statesample.Sample()
	for _, k := range []string{"eu", "us"} {
		s.EnsureModel(`fleet["` + k + `"]`)
	}
	for _, tc := range []struct{ addr, err string }{
		{"model.fleet", `model.fleet is not in the state; its instances are: model.fleet["eu"], model.fleet["us"] (name one)`},
		{"model.fleet@production", `model.fleet@production is not in the state; its instances are: model.fleet["eu"]@production, model.fleet["us"]@production (name one)`},
		{`model.fleet["ap"]`, `model.fleet["ap"] is not in the state`},
		{"dataset.fleet", "dataset.fleet is not in the state"},
	} {
		a, err := state.ParseAddress(tc.addr)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Lookup(a); err == nil || err.Error() != tc.err {
			t.Errorf("Lookup(%s) = %v, want %s", tc.addr, err, tc.err)
		}
	}
}

func TestModuleAddresses(t *testing.T) {
	s := &state.State{Datasets: map[string]*state.Dataset{}}
	for _, name := range []string{`module.region["eu"].churn`, `module.region["us"].churn`, `module.regional.churn`, `module.region["eu"].module.inner.fraud`} {
		s.EnsureModel(name)
	}
	s.Datasets[`module.region["eu"].sales`] = &state.Dataset{Name: `module.region["eu"].sales`}
	for _, tc := range []struct {
		module string
		want   string // ModuleContents, or its error
	}{
		{"module.region", `model.module.region["eu"].churn model.module.region["eu"].module.inner.fraud model.module.region["us"].churn dataset.module.region["eu"].sales`},
		{`module.region["eu"]`, `model.module.region["eu"].churn model.module.region["eu"].module.inner.fraud dataset.module.region["eu"].sales`},
		{`module.region["eu"].module.inner`, `model.module.region["eu"].module.inner.fraud`},
		{"module.regional", "model.module.regional.churn"},
		{"module.regio", "module.regio: nothing is recorded under this module"},
		{`module.region["ap"]`, `module.region["ap"]: nothing is recorded under this module`},
	} {
		a := state.Address{Kind: state.AddrModule, Name: tc.module}
		contents, err := s.ModuleContents(a)
		var got []string
		for _, c := range contents {
			got = append(got, c.String())
			if !a.Covers(c) {
				t.Errorf("%s does not cover %s, which ModuleContents lists", a, c)
			}
		}
		if err != nil {
			got = []string{err.Error()}
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("ModuleContents(%s) = %v, want %s", tc.module, got, tc.want)
		}
	}
}

// TestRemoveKeepsUncollectedJobInputs: a snapshot a job not collected yet
// reads (a running train attempt's draft, a running evaluation) is used as
// a recorded version's is: state rm of it or its dataset is refused naming
// the job, and -force keeps its record (so gc keeps its data) until the
// job is collected. Before, it was forgotten and gc deleted the data the
// job was about to read, and the version it recorded lost its inputs.
func TestRemoveKeepsUncollectedJobInputs(t *testing.T) {
	freshID, eventsID := fmt.Sprintf("%064x", 0xd5fff), fmt.Sprintf("%064x", 0xe5001)
	sample := func() *state.State {
		s := statesample.Sample()
		at := s.Datasets["churn"].Snapshots[1].CreatedAt.Add(time.Hour)
		s.Datasets["churn"].Snapshots = append(s.Datasets["churn"].Snapshots, &state.Snapshot{ID: freshID, CreatedAt: at, Source: "data", Store: "default"})
		s.Datasets["events"] = &state.Dataset{Name: "events", Snapshots: []*state.Snapshot{{ID: eventsID, CreatedAt: at, Source: "ev", Store: "default"}}}
		m := s.Models["churn"]
		draft := *m.Versions[0]
		draft.Version = m.NextVersion
		draft.Inputs.Snapshots = map[string]string{"churn": freshID}
		m.NextVersion++
		m.Running = []*state.RunningAttempt{{Version: draft.Version, Step: "train", Executor: "slurm", JobID: "77",
			SpecID: fmt.Sprintf("%064x", 0x5bec), Store: "default", Draft: &draft}}
		m.Evaluating = []*state.RunningEvaluation{{Version: 2, Snapshots: map[string]string{"events": eventsID},
			Executor: "slurm", JobID: "78", SpecID: fmt.Sprintf("%064x", 0x5bed), Store: "default"}}
		if err := s.Validate(); err != nil {
			t.Fatal(err)
		}
		return s
	}
	for _, tc := range []struct{ addr, want string }{
		{"model.churn", "model.churn has jobs no apply has collected yet: v4 (slurm job 77), the evaluation of v2 (slurm job 78); forgetting the model forgets those jobs and their results: let an apply collect them first (declare the model again if its block was removed), or use -force to forget it anyway"},
		{"dataset.churn@" + freshID, "is used by model.churn v4 (train job 77, not collected yet): let the next apply collect"},
		{"dataset.churn", "is used by recorded versions model.churn@1, model.churn@2, model.churn@3 and by model.churn v4 (train job 77, not collected yet)"},
		{"dataset.events", "is used by the evaluation of model.churn@2 (job 78, not collected yet)"},
	} {
		a, err := state.ParseAddress(tc.addr)
		if err != nil {
			t.Fatal(err)
		}
		var iu *state.InUseError
		if err := sample().Remove(a); (a.Kind != state.AddrModel && !errors.As(err, &iu)) || err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Remove(%s) = %v, want an InUseError containing %q", tc.addr, err, tc.want)
		}
	}
	if a, _ := state.ParseAddress("model.churn"); sample().ForceRemove(a) != nil {
		t.Error("ForceRemove of a model with a job not collected yet refused")
	}
	// One job of either kind is enough to refuse.
	for _, tc := range []struct {
		name string
		drop func(m *state.Model)
		want string
	}{
		{"train job only", func(m *state.Model) { m.Evaluating = nil }, "model.churn has a job no apply has collected yet: v4 (slurm job 77); forgetting the model forgets that version and its result: let an apply collect it first"},
		{"evaluation job only", func(m *state.Model) { m.Running = nil }, "model.churn has a job no apply has collected yet: the evaluation of v2 (slurm job 78); forgetting the model forgets that job and its result: let an apply collect it first"},
	} {
		s := sample()
		tc.drop(s.Models["churn"])
		a, _ := state.ParseAddress("model.churn")
		if err := s.Remove(a); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Remove(model.churn) = %v, want %q", tc.name, err, tc.want)
		}
	}
	s := sample()
	for _, addr := range []string{"dataset.churn@" + freshID, "dataset.events"} {
		a, _ := state.ParseAddress(addr)
		if err := s.ForceRemove(a); err != nil {
			t.Fatal(err)
		}
	}
	for ds, id := range map[string]string{"churn": freshID, "events": eventsID} {
		if s.FindSnapshot(ds, id) == nil {
			t.Errorf("-force dropped the record of dataset.%s@%.12s, which a job not collected yet reads", ds, id)
		}
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	// Collected (or given up), the jobs stop holding the records: the next
	// removal drops what no recorded version uses.
	s.Models["churn"].Running, s.Models["churn"].Evaluating = nil, nil
	a, _ := state.ParseAddress("model.churn@3")
	if err := s.Remove(a); err != nil {
		t.Fatal(err)
	}
	if s.FindSnapshot("churn", freshID) != nil || s.FindSnapshot("events", eventsID) != nil {
		t.Error("retained records outlived the jobs that read them")
	}
}
