package planner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlform/mlform/config"
	"github.com/mlform/mlform/internal/testtree"
	"github.com/mlform/mlform/planner/dataset"
	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/planner/internal/plannertest"
	"github.com/mlform/mlform/planner/ops"
	"github.com/mlform/mlform/planner/plans"
	"github.com/mlform/mlform/state"
	"github.com/mlform/mlform/state/statemgr"
)

var testNow = time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)

// testWorkspace builds a workspace over dir with the given datasets (name
// -> source relative to dir) and one file:// store, without going through
// config.Load.
func testWorkspace(t testing.TB, dir string, datasets map[string]string) *engine.Workspace {
	t.Helper()
	ws := &engine.Workspace{
		BaseDir:   dir,
		Now:       testNow,
		Config:    &config.Config{Digest: "00112233445566778899"},
		Datasets:  map[string]engine.DatasetSpec{},
		StoreURLs: map[string]string{engine.DefaultStorage: "file://.mlform/store"},
		CacheDir:  filepath.Join(dir, engine.DefaultCacheDir),
		Workers:   2,
		Executors: plannertest.LocalExecutors(),
	}
	var nodes []*engine.Node
	for name, src := range datasets {
		ws.Datasets[name] = engine.DatasetSpec{Name: name, Source: src, Storage: engine.DefaultStorage}
		nodes = append(nodes, &engine.Node{Addr: "dataset." + name})
	}
	g, err := engine.NewGraph(nodes)
	if err != nil {
		t.Fatal(err)
	}
	ws.Graph = g
	t.Cleanup(func() { ws.Close() })
	return ws
}

// openFileState opens the state in dir's .mlform/state (the file://
// backend apply writes through), closed when the test ends.
func openFileState(ctx context.Context, t *testing.T, dir string) *statemgr.Manager {
	t.Helper()
	m, err := statemgr.OpenManager(ctx, "file://.mlform/state", dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	testtree.Write(t, dir, files)
	// Age the files past the stat cache's racy window.
	old := time.Now().Add(-time.Hour)
	for p := range files {
		if err := os.Chtimes(filepath.Join(dir, filepath.FromSlash(p)), old, old); err != nil {
			t.Fatal(err)
		}
	}
}

type memWriter struct{ writes int }

func (m *memWriter) Write(ctx context.Context, s *state.State) error {
	m.writes++
	s.Serial++
	return nil
}

func mustPlan(t *testing.T, ws *engine.Workspace, st *state.State, opts engine.PlanOptions) *plans.Plan {
	t.Helper()
	p, err := Plan(context.Background(), ws, st, opts)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func mustApply(t *testing.T, ws *engine.Workspace, p *plans.Plan, st *state.State) *engine.Result {
	t.Helper()
	res, err := Apply(context.Background(), ws, nil, p, st, &memWriter{}, ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// pullNew resolves ref in st as pull does and pulls it into a new
// directory, which it returns with the resolved target.
func pullNew(t *testing.T, ws *engine.Workspace, st *state.State, ref string) (*ops.PullTarget, string) {
	t.Helper()
	target, err := ops.ResolvePull(st, ref)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out")
	if err := ops.Pull(context.Background(), ws, target, out, false); err != nil {
		t.Fatalf("pull %s: %v", ref, err)
	}
	return target, out
}

func TestPlanApplyLoop(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"data/a.csv": "a\n1\n", "data/b.csv": "b\n2\n", "data/sub/c.csv": "c\n3\n"})
	ws := testWorkspace(t, dir, map[string]string{"churn": "data"})
	st := state.New()
	opts := engine.PlanOptions{Refresh: true}

	p := mustPlan(t, ws, st, opts)
	if len(p.Actions) != 1 {
		t.Fatalf("first plan: %d actions", len(p.Actions))
	}
	a := p.Actions[0]
	if a.Kind != plans.KindSnapshot || a.Addr != "dataset.churn" || a.Reasons[0].Code != plans.ReasonNew || a.Snapshot.Files != 3 || a.Snapshot.Added != 3 {
		t.Fatalf("first plan action: %+v %+v", a, a.Snapshot)
	}
	if res := mustApply(t, ws, p, st); res.Failed() {
		t.Fatalf("apply: %v", res.Errors())
	}
	snap := dataset.LastSnapshot(st, "churn")
	if snap == nil || snap.ID != a.Snapshot.NewID || snap.Files != 3 || !snap.CreatedAt.Equal(testNow) || snap.Store != engine.DefaultStorage {
		t.Fatalf("recorded snapshot: %+v", snap)
	}

	if p := mustPlan(t, ws, st, opts); p.HasChanges() {
		t.Fatalf("plan after apply has changes: %+v", p.Actions[0])
	}

	writeFiles(t, dir, map[string]string{"data/a.csv": "a\n1\n2\n", "data/new.csv": "n\n"})
	p = mustPlan(t, ws, st, opts)
	if len(p.Actions) != 1 {
		t.Fatalf("plan after change: %d actions", len(p.Actions))
	}
	sc := p.Actions[0].Snapshot
	if sc.Changed != 1 || sc.Added != 1 || sc.Removed != 0 || sc.OldID != snap.ID || p.Actions[0].Reasons[0].Code != plans.ReasonDataChanged {
		t.Fatalf("diff: %+v", sc)
	}
	if len(sc.Paths) != 2 || sc.Paths[0].Path != "a.csv" || sc.Paths[1].Path != "new.csv" {
		t.Fatalf("paths: %+v", sc.Paths)
	}

	// Through a saved plan file, as apply FILE does.
	saved := throughPlanFile(t, p)
	if err := CheckFresh(saved, st, ws.Config.Digest); err != nil {
		t.Fatal(err)
	}
	if res := mustApply(t, ws, saved, st); res.Failed() {
		t.Fatalf("apply: %v", res.Errors())
	}
	if n := len(st.Datasets["churn"].Snapshots); n != 2 {
		t.Fatalf("%d snapshots", n)
	}
	if err := CheckFresh(saved, st, ws.Config.Digest); err == nil || !strings.Contains(err.Error(), "already applied") {
		t.Fatalf("second apply of a saved plan: %v", err)
	}

	// Both snapshots materialise byte for byte.
	for i, want := range []map[string]string{
		{"a.csv": "a\n1\n", "b.csv": "b\n2\n", "sub/c.csv": "c\n3\n"},
		{"a.csv": "a\n1\n2\n", "b.csv": "b\n2\n", "sub/c.csv": "c\n3\n", "new.csv": "n\n"},
	} {
		id := st.Datasets["churn"].Snapshots[i].ID
		target, out := pullNew(t, ws, st, "dataset.churn@"+id[:10])
		for p, content := range want {
			got, err := os.ReadFile(filepath.Join(out, p))
			if err != nil || string(got) != content {
				t.Errorf("snapshot %d %s: %q, %v", i, p, got, err)
			}
		}
		if err := ops.Pull(context.Background(), ws, target, out, false); err == nil || !strings.Contains(err.Error(), "not empty") {
			t.Errorf("pull into a non-empty dir: %v", err)
		}
	}

	checks, err := ops.CheckStores(context.Background(), ws, st, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(checks) != 1 || !checks[0].OK() {
		t.Fatalf("store check: %+v %+v", checks[0].Report, checks[0].Missing)
	}
}

func TestApplyRefusesDataChangedSincePlan(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"data/a.csv": "a\n1\n", "data/b.csv": "b\n2\n"})
	ws := testWorkspace(t, dir, map[string]string{"churn": "data"})
	st := state.New()
	p := mustPlan(t, ws, st, engine.PlanOptions{Refresh: true})
	writeFiles(t, dir, map[string]string{"data/a.csv": "a\n999\n"})
	res := mustApply(t, ws, p, st)
	if !res.Failed() || !errors.Is(res.Actions[0].Err, dataset.ErrChangedSincePlan) {
		t.Fatalf("apply after change: %v", res.Errors())
	}
	if !strings.Contains(res.Errors().Error(), "dataset.churn changed since the plan; run plan again") {
		t.Errorf("message: %v", res.Errors())
	}
	if st.Datasets["churn"] != nil {
		t.Error("a failed snapshot was recorded")
	}
}

// TestApplyRecordsSourceReadNotPlanned: a saved plan is read back from a
// file anyone can edit (its checksum is no secret). The snapshot records
// the source apply read, not the one the plan file names.
func TestApplyRecordsSourceReadNotPlanned(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"data/a.csv": "a\n1\n"})
	ws := testWorkspace(t, dir, map[string]string{"churn": "data"})
	st := state.New()
	p := mustPlan(t, ws, st, engine.PlanOptions{Refresh: true})
	if got := p.Actions[0].Snapshot.Source; got != "data" {
		t.Fatalf("planned source %q", got)
	}
	p.Actions[0].Snapshot.Source = "/etc"
	saved := throughPlanFile(t, p)
	if res := mustApply(t, ws, saved, st); res.Failed() {
		t.Fatalf("apply: %v", res.Errors())
	}
	if snap := dataset.LastSnapshot(st, "churn"); snap == nil || snap.Source != "data" {
		t.Errorf("recorded snapshot %+v; want source %q, the one read", snap, "data")
	}
}

func TestPlanOptions(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"a/x.csv": "1", "b/y.csv": "2"})
	ws := testWorkspace(t, dir, map[string]string{"a": "a", "b": "b"})
	st := state.New()

	p := mustPlan(t, ws, st, engine.PlanOptions{Refresh: true, Targets: []string{"dataset.b"}})
	if len(p.Actions) != 1 || p.Actions[0].Addr != "dataset.b" {
		t.Errorf("-target: %+v", p.Actions)
	}
	// -refresh=false on a fresh state still plans the first snapshots:
	// there is no recorded snapshot to trust.
	p = mustPlan(t, ws, st, engine.PlanOptions{Refresh: false})
	if !p.HasChanges() || len(p.Actions) != 2 || p.Refreshed {
		t.Errorf("-refresh=false on a fresh state: actions %d notes %d", len(p.Actions), len(p.Notes))
	}
	for _, tt := range []struct {
		opts engine.PlanOptions
		want string
	}{
		{engine.PlanOptions{Targets: []string{"dataset.zz"}}, "-target dataset.zz: no such object"},
		{engine.PlanOptions{Replace: []string{"dataset.a"}}, "only models can be replaced"},
		{engine.PlanOptions{Replace: []string{"model.m"}}, "-replace model.m"},
	} {
		if _, err := Plan(context.Background(), ws, st, tt.opts); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: err %v, want %q", tt.opts, err, tt.want)
		}
	}
	// A dataset recorded but no longer declared gets a note, not an action.
	st.Datasets["gone"] = &state.Dataset{Name: "gone", Snapshots: []*state.Snapshot{{ID: testIDA, Store: engine.DefaultStorage}}}
	p = mustPlan(t, ws, st, engine.PlanOptions{Refresh: false})
	found := false
	for _, n := range p.Notes {
		found = found || (n.Addr == "dataset.gone" && n.Code == plans.ReasonRemoved)
	}
	if !found {
		t.Errorf("no note for an undeclared dataset: %+v", p.Notes)
	}
}

func TestCheckFresh(t *testing.T) {
	withSnap := func(serial uint64, lineage string, snapID string) *state.State {
		st := state.New()
		st.Serial, st.Lineage = serial, lineage
		if snapID != "" {
			st.Datasets["churn"] = &state.Dataset{Name: "churn", Snapshots: []*state.Snapshot{{ID: snapID}}}
		}
		return st
	}
	plan := func(serial uint64, lineage string) *plans.Plan {
		p := samplePlan()
		p.Serial, p.Lineage = serial, lineage
		return p
	}
	const other = "99999999-3c2d-4e5f-8a9b-0c1d2e3f4a5b"
	// recorded records a version made by p, as applying p does.
	recorded := func(st *state.State, p *plans.Plan) *state.State {
		m := st.EnsureModel("churn")
		m.Versions = append(m.Versions, &state.Version{Version: 1, Status: state.StatusFailed, PlanDigest: plans.Digest(p)})
		return st
	}
	snapshotsOnly := func(p *plans.Plan) *plans.Plan {
		var keep []*plans.Action
		for _, a := range p.Actions {
			if a.Kind == plans.KindSnapshot {
				keep = append(keep, a)
			}
		}
		p.Actions = keep
		return p
	}
	tests := []struct {
		name   string
		p      *plans.Plan
		st     *state.State
		digest string
		want   string
	}{
		{"fresh", plan(3, testLin), withSnap(3, testLin, testIDA), "aabbccddeeff0011", ""},
		{"no state yet adopts lineage", plan(0, testLin), withSnap(0, other, ""), "aabbccddeeff0011", ""},
		{"foreign", plan(3, testLin), withSnap(3, other, ""), "aabbccddeeff0011", "made for another state"},
		{"stale", plan(3, testLin), withSnap(5, testLin, testIDA), "aabbccddeeff0011", "stale: the state changed since it was made (serial 3, now 5)"},
		{"stale from no state", plan(0, testLin), withSnap(2, other, testIDA), "aabbccddeeff0011", "stale"},
		{"already applied", plan(3, testLin), recorded(withSnap(4, testLin, testIDB), plan(3, testLin)), "aabbccddeeff0011", "saved plan was already applied"},
		{"partly done by another apply", plan(3, testLin), withSnap(4, testLin, testIDB), "aabbccddeeff0011",
			"did part of it (dataset.churn already snapshotted; state serial moved from 3 to 4)"},
		{"only snapshots, all taken", snapshotsOnly(plan(3, testLin)), withSnap(4, testLin, testIDB), "aabbccddeeff0011", "every snapshot it takes is current"},
		{"config changed", plan(3, testLin), withSnap(3, testLin, testIDA), "ffff", "configuration (or a variable value) changed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckFresh(tt.p, tt.st, tt.digest)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if tt.st.Lineage != tt.p.Lineage {
					t.Errorf("lineage not adopted")
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

// TestStoreWhileObserving checks the single-pass path of apply
// -auto-approve: files hashed by the plan are stored in the same read, so
// apply seals them without reading the source again (here: after the
// source files are gone), and the snapshot is complete and intact.
func TestStoreWhileObserving(t *testing.T) {
	for _, early := range []bool{true, false} {
		t.Run(fmt.Sprintf("early=%v", early), func(t *testing.T) {
			dir := t.TempDir()
			files := map[string]string{"data/a.csv": "a\n1\n", "data/b.csv": strings.Repeat("b,2\n", 200000)}
			writeFiles(t, dir, files)
			ws := testWorkspace(t, dir, map[string]string{"d": "data"})
			st := state.New()
			p := mustPlan(t, ws, st, engine.PlanOptions{Refresh: true, StoreWhileObserving: early})
			if err := os.RemoveAll(filepath.Join(dir, "data")); err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
				t.Fatal(err)
			}
			res := mustApply(t, ws, p, st)
			if !early {
				if !res.Failed() || !errors.Is(res.Actions[0].Err, dataset.ErrChangedSincePlan) {
					t.Fatalf("apply after the files vanished: %v", res.Errors())
				}
				return
			}
			if res.Failed() {
				t.Fatalf("apply: %v", res.Errors())
			}
			_, out := pullNew(t, ws, st, "dataset.d")
			for p, content := range files {
				got, err := os.ReadFile(filepath.Join(out, strings.TrimPrefix(p, "data/")))
				if err != nil || string(got) != content {
					t.Errorf("%s: %d bytes, %v", p, len(got), err)
				}
			}
		})
	}
}

// TestParallelSnapshotsShareAStore applies several datasets at once into
// one store (concurrent PutFile and Flush on the same Store) and checks
// every snapshot is complete and the store sound.
func TestParallelSnapshotsShareAStore(t *testing.T) {
	dir := t.TempDir()
	sources := map[string]string{}
	for i := 0; i < 4; i++ {
		name := fmt.Sprintf("d%d", i)
		sources[name] = name
		files := map[string]string{}
		for j := 0; j < 20; j++ {
			files[fmt.Sprintf("%s/f%02d.csv", name, j)] = strings.Repeat(fmt.Sprintf("%d,%d\n", i, j), 1000*(j+1))
		}
		writeFiles(t, dir, files)
	}
	ws := testWorkspace(t, dir, sources)
	st := state.New()
	p := mustPlan(t, ws, st, engine.PlanOptions{Refresh: true})
	res, err := Apply(context.Background(), ws, nil, p, st, &memWriter{}, ApplyOptions{Parallelism: 4})
	if err != nil || res.Failed() {
		t.Fatalf("apply: %v %v", err, res.Errors())
	}
	checks, err := ops.CheckStores(context.Background(), ws, st, true)
	if err != nil || !checks[0].OK() {
		t.Fatalf("check: %v %+v", err, checks)
	}
	for name := range sources {
		pullNew(t, ws, st, "dataset."+name)
	}
	if p := mustPlan(t, ws, st, engine.PlanOptions{Refresh: true}); p.HasChanges() {
		t.Error("changes after apply")
	}
}

func TestAlreadyAppliedByDigest(t *testing.T) {
	p := samplePlan()
	p.Actions = p.Actions[1:] // only the train
	p.Actions[0].DependsOn = nil
	st := state.New()
	st.Lineage, st.Serial = p.Lineage, p.Serial+2
	st.Models["churn"] = &state.Model{Name: "churn", Versions: []*state.Version{{Version: 2, PlanDigest: "other"}}}
	if err := CheckFresh(p, st, p.ConfigDigest); err == nil || !strings.Contains(err.Error(), "stale") {
		t.Fatalf("unrelated version: %v", err)
	}
	st.Models["churn"].Versions[0].PlanDigest = plans.Digest(p)
	if err := CheckFresh(p, st, p.ConfigDigest); err == nil || !strings.Contains(err.Error(), "already applied") {
		t.Fatalf("version recorded by this plan: %v", err)
	}
}

// TestPlanWithoutOldManifest: when the previous snapshot's manifest cannot
// be read, plan still plans the snapshot, with totals only and a note.
func TestPlanWithoutOldManifest(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"data/a.csv": "a\n"})
	ws := testWorkspace(t, dir, map[string]string{"d": "data"})
	st := state.New()
	mustApply(t, ws, mustPlan(t, ws, st, engine.PlanOptions{Refresh: true}), st)
	ws.Close()
	if err := os.RemoveAll(filepath.Join(dir, ".mlform", "store", "manifests")); err != nil {
		t.Fatal(err)
	}
	writeFiles(t, dir, map[string]string{"data/b.csv": "b\n"})
	p := mustPlan(t, ws, st, engine.PlanOptions{Refresh: true})
	if len(p.Actions) != 1 || p.Actions[0].Snapshot.DiffKnown || p.Actions[0].Snapshot.Files != 2 {
		t.Fatalf("plan: %+v", p.Actions)
	}
	if len(p.Notes) != 1 || !strings.Contains(p.Notes[0].Message, "cannot list what changed since snapshot") {
		t.Errorf("notes: %+v", p.Notes)
	}
}

// throughPlanFile encodes p as a plan file and decodes it again, as plan
// -out and apply FILE do.
func throughPlanFile(t *testing.T, p *plans.Plan) *plans.Plan {
	t.Helper()
	var buf bytes.Buffer
	if err := plans.EncodePlan(&buf, p); err != nil {
		t.Fatal(err)
	}
	saved, err := plans.DecodePlan(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return saved
}
