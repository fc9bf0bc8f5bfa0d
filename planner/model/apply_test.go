package model

import (
	"context"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/planner/plans"
	"github.com/mlform/mlform/planner/policy"
	"github.com/mlform/mlform/planner/publish"
	"github.com/mlform/mlform/planner/query"
	"github.com/mlform/mlform/providers/storage"
	"github.com/mlform/mlform/providers/storage/manifest"
	"github.com/mlform/mlform/state"
)

// trainerScript is a deterministic trainer under the training contract:
// its model is the params and the data, its accuracy the "accuracy"
// param; evaluate scores the model on the data: its accuracy param plus
// the data's "quality" file minus 0.9 (a model trained for 0.9 scores the
// data's quality). A param
// fail=1 makes train exit 3, sleep=N makes it sleep N seconds first.
const trainerScript = `#!/bin/sh
set -e
case "$1" in
train)
	echo "training v$MLFORM_VERSION on $(cat "$MLFORM_DATASET_CHURN_DIR"/rows.csv | wc -l) rows"
	if [ "$MLFORM_PARAM_SLEEP" != "" ]; then sleep "$MLFORM_PARAM_SLEEP"; fi
	if [ "$MLFORM_PARAM_FAIL" = "1" ]; then echo "boom" >&2; exit 3; fi
	cat "$MLFORM_PARAMS_FILE" "$MLFORM_DATASET_CHURN_DIR"/rows.csv > "$MLFORM_OUTPUT_DIR/model.txt"
	printf '{"accuracy": %s}\n' "$MLFORM_PARAM_ACCURACY" > "$MLFORM_OUTPUT_DIR/metrics.json"
	;;
evaluate)
	acc=$(sed -n 's/.*"accuracy":\([0-9.]*\).*/\1/p' "$MLFORM_MODEL_DIR/model.txt" | head -n 1)
	awk -v a="$acc" -v q="$(cat "$MLFORM_DATASET_CHURN_DIR"/quality)" 'BEGIN { printf "{\"accuracy\": %g}\n", a + q - 0.9 }' > "$MLFORM_OUTPUT_DIR/metrics.json"
	;;
esac
`

type applyWorld struct {
	*modelWorld
	store *storage.Store
}

func newApplyWorld(t *testing.T) *applyWorld {
	w := newModelWorld(t)
	dir := w.ws.BaseDir
	if err := os.WriteFile(filepath.Join(dir, "trainer", "run.sh"), []byte(trainerScript), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	w.ws.StoreURLs = map[string]string{"default": "file://.mlform/store"}
	st, err := w.ws.Store(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.ws.Close() })
	m := w.specs.Models["churn"]
	m.Train = stepSpec{Command: []string{"./trainer/run.sh", "train"}, Params: map[string]any{"accuracy": 0.9}, Timeout: time.Minute}
	m.Evaluate = &stepSpec{Command: []string{"./trainer/run.sh", "evaluate"}, Timeout: time.Minute}
	w.st.Lineage = "00000000-0000-4000-8000-000000000000"
	return &applyWorld{modelWorld: w, store: st}
}

// snapshot stores rows and quality as a new snapshot of churn, records
// it in state and returns its id.
func (w *applyWorld) snapshot(rows, quality string) string {
	w.t.Helper()
	ctx := context.Background()
	var files []manifest.File
	for _, f := range []struct{ path, content string }{{"quality", quality}, {"rows.csv", rows}} {
		sf, err := w.store.PutFile(ctx, strings.NewReader(f.content))
		if err != nil {
			w.t.Fatal(err)
		}
		sf.Path, sf.Mode = f.path, 0o644
		files = append(files, sf)
	}
	if err := w.store.Flush(ctx); err != nil {
		w.t.Fatal(err)
	}
	id, err := w.store.PutManifest(ctx, &manifest.Manifest{Kind: "snapshot", Files: files})
	if err != nil {
		w.t.Fatal(err)
	}
	ds := w.st.Datasets["churn"]
	if ds == nil {
		ds = &state.Dataset{Name: "churn"}
		w.st.Datasets["churn"] = ds
	}
	ds.Snapshots = append(ds.Snapshots, &state.Snapshot{ID: id, Store: "default", CreatedAt: w.ws.Now})
	return id
}

// apply plans and applies on snapshot snap.
func (w *applyWorld) apply(snap string, replace ...string) (*plans.Plan, *engine.Result) {
	w.t.Helper()
	p := w.mustPlan(snap, false, replace...)
	e := &engine.Engine{Runners: runners(w.specs)}
	res, err := e.Run(context.Background(), nil, w.ws, p, w.st, nil)
	if err != nil {
		w.t.Fatal(err)
	}
	return p, res
}

// rerun runs the train step of addr again (reproduce's first half).
func (w *applyWorld) rerun(addr string, currentCode bool) *Rerun {
	w.t.Helper()
	m, v, err := query.ResolveVersion(w.st, "reproduce", addr)
	if err != nil {
		w.t.Fatal(err)
	}
	r, err := rerunTrain(context.Background(), w.ws, w.st, w.specs, m, v, RerunOptions{CurrentCode: currentCode}, nil)
	if err != nil {
		w.t.Fatal(err)
	}
	return r
}

// sameAsRecorded reports whether a re-run succeeded with the artifacts
// and metrics version n recorded (reproduce's second half, in short).
func (w *applyWorld) sameAsRecorded(r *Rerun, n int) bool {
	w.t.Helper()
	v := w.st.Models["churn"].Version(n)
	store, err := w.ws.Store(context.Background(), v.Store)
	if err != nil {
		w.t.Fatal(err)
	}
	recorded, err := store.GetManifest(context.Background(), v.ArtifactsID)
	if err != nil {
		w.t.Fatal(err)
	}
	files := map[string]string{}
	for _, f := range recorded.Files {
		files[f.Path] = f.Hash
	}
	return r.Status == state.StatusSucceeded && r.MetricsErr == nil && maps.Equal(files, r.Files) && maps.Equal(v.Metrics, r.Metrics)
}

func summaries(res *engine.Result) string {
	var out []string
	for _, a := range res.Actions {
		s := a.Action.Kind + " " + a.Status + ": " + a.Summary
		if a.Err != nil {
			s += " (" + a.Err.Error() + ")"
		}
		out = append(out, s)
	}
	return strings.Join(out, "\n")
}

func TestApplyModelLifecycle(t *testing.T) {
	w := newApplyWorld(t)
	w.specs.Promotions["prod"] = &promotionSpec{Name: "prod", Model: "churn", Alias: "production",
		Gates:      []policy.Gate{{ErrorMessage: "accuracy below the floor", Eval: func(c, _ map[string]float64) (bool, error) { return c["accuracy"] >= 0.8, nil }}},
		MustBeat:   &policy.MustBeat{Metric: "accuracy", Direction: policy.Higher},
		PublishURL: "file://published"}
	snapA := w.snapshot("a,1\nb,0\n", "0.9")

	// First apply trains v1 and promotes and publishes it.
	_, res := w.apply(snapA)
	if res.Failed() {
		t.Fatalf("first apply failed:\n%s", summaries(res))
	}
	m := w.st.Models["churn"]
	v1 := m.Version(1)
	if v1 == nil || v1.Status != state.StatusSucceeded || v1.Metrics["accuracy"] != 0.9 || v1.ArtifactsID == "" || v1.LogsID == "" || v1.User == "" {
		t.Fatalf("v1 = %+v", v1)
	}
	if al := m.Aliases["production"]; al == nil || al.Version != 1 || len(al.History) != 1 || al.History[0].PlanDigest == "" {
		t.Fatalf("alias = %+v", al)
	}
	pub := filepath.Join(w.ws.BaseDir, "published")
	var pm publish.Manifest
	if b, err := os.ReadFile(filepath.Join(pub, publish.ManifestName)); err != nil || json.Unmarshal(b, &pm) != nil || pm.Version != 1 || len(pm.Files) != 2 {
		t.Fatalf("publish manifest %+v (%v)", pm, err)
	}
	if b, _ := os.ReadFile(filepath.Join(pub, "model.txt")); !strings.Contains(string(b), `"accuracy":0.9`) {
		t.Fatalf("published model.txt = %q", b)
	}
	// The next plan has nothing to do.
	if p, err := w.plan(snapA, false); err != nil || len(p.Actions) != 0 {
		t.Fatalf("second plan: %v\n%s", err, describe(p))
	}

	// Changed params: v2 beats v1 and is promoted.
	w.specs.Models["churn"].Train.Params = map[string]any{"accuracy": 0.95}
	if _, res = w.apply(snapA); res.Failed() || m.Aliases["production"].Version != 2 {
		t.Fatalf("v2:\n%s", summaries(res))
	}
	// A worse v3 is held, apply still succeeds.
	w.specs.Models["churn"].Train.Params = map[string]any{"accuracy": 0.85}
	_, res = w.apply(snapA)
	if res.Failed() || m.Aliases["production"].Version != 2 || !strings.Contains(summaries(res),
		"held: v3 stays out of production: must_beat: accuracy of v3 is 0.85, v2 has 0.95 (both scored by the evaluate step on v3's training data); must be higher") {
		t.Fatalf("v3 should be held:\n%s", summaries(res))
	}
	// Each version was scored once by the evaluate step on snapA (v1 as the
	// first candidate, then v2, then v3; v1 and v2 as champions came from
	// the cache), and each evaluation names its evaluator.
	evs := m.Evaluations
	if len(evs) != 3 || evs[0].Version != 1 || evs[1].Version != 2 || evs[2].Version != 3 || evs[2].Metrics["accuracy"] != 0.85 || evs[2].Evaluator == "" {
		t.Fatalf("evaluations: %+v", evs)
	}
	// -replace of a deterministic trainer: identical artifacts, never
	// reported as better than the champion.
	w.specs.Models["churn"].Train.Params = map[string]any{"accuracy": 0.95}
	_, res = w.apply(snapA, "model.churn")
	if res.Failed() || m.Aliases["production"].Version != 2 || !strings.Contains(summaries(res), "held: v4 stays out of production: no better than v2: its artifacts are identical") {
		t.Fatalf("identical v4 should be held:\n%s", summaries(res))
	}
	// A failing train: recorded failed attempt, alias untouched, logs kept.
	w.specs.Models["churn"].Train.Params = map[string]any{"accuracy": 0.99, "fail": 1}
	_, res = w.apply(snapA)
	v5 := m.Version(5)
	if !res.Failed() || v5 == nil || v5.Status != state.StatusFailed || v5.ExitCode != 3 || v5.LogsID == "" || m.Aliases["production"].Version != 2 || m.NextVersion != 6 {
		t.Fatalf("failed train:\n%s\nv5=%+v", summaries(res), v5)
	}
	logs, err := w.store.GetManifest(context.Background(), v5.LogsID)
	if err != nil || len(logs.Files) != 2 {
		t.Fatalf("logs manifest %+v %v", logs, err)
	}
	// Rollback by pin: production v2 -> v1, published files follow.
	w.specs.Models["churn"].Train.Params = map[string]any{"accuracy": 0.85}
	w.specs.Promotions["prod"].Version = 1
	if _, res = w.apply(snapA); res.Failed() || m.Aliases["production"].Version != 1 || len(m.Aliases["production"].History) != 3 {
		t.Fatalf("rollback:\n%s", summaries(res))
	}
	if b, _ := os.ReadFile(filepath.Join(pub, publish.ManifestName)); !strings.Contains(string(b), `"version": 1`) {
		t.Fatalf("rollback not published: %s", b)
	}

	// Reproduce v1: identical.
	if r := w.rerun("model.churn@1", false); !w.sameAsRecorded(r, 1) {
		t.Fatalf("reproduce v1: %+v", r)
	}
}

func TestApplyTrainTimeout(t *testing.T) {
	w := newApplyWorld(t)
	w.specs.Models["churn"].Train.Params = map[string]any{"accuracy": 0.9, "sleep": 30}
	w.specs.Models["churn"].Train.Timeout = 500 * time.Millisecond
	snap := w.snapshot("a\n", "0.9")
	start := time.Now()
	_, res := w.apply(snap)
	v := w.st.Models["churn"].Version(1)
	if !res.Failed() || v == nil || v.Status != state.StatusTimedOut || time.Since(start) > 20*time.Second {
		t.Fatalf("timeout: %s\n%+v", summaries(res), v)
	}
}

// withTriggerAndV1 adds a retrain policy firing when accuracy on current
// data is below 0.85 and trains v1 on data of quality 0.9.
func (w *applyWorld) withTriggerAndV1() {
	w.t.Helper()
	w.specs.Policies["p"] = &policySpec{Name: "p", Models: []string{"churn"},
		Policy: policy.Policy{Metrics: []policy.MetricTrigger{{Metric: "accuracy", Below: f(0.85)}}}}
	if _, res := w.apply(w.snapshot("a\n", "0.9")); res.Failed() {
		w.t.Fatal(summaries(res))
	}
}

func TestApplyConditionalMetricTrigger(t *testing.T) {
	w := newApplyWorld(t)
	w.withTriggerAndV1()
	// New data on which v1 still scores 0.88: evaluated, not retrained.
	snapB := w.snapshot("a\nb\n", "0.88")
	_, res := w.apply(snapB)
	if res.Failed() || !strings.Contains(summaries(res), "not retrained") || len(w.st.Models["churn"].Versions) != 1 || len(w.st.Models["churn"].Evaluations) != 1 {
		t.Fatalf("above the floor:\n%s", summaries(res))
	}
	// The evaluation is cached: the next plan decides without running it.
	p, err := w.plan(snapB, false)
	if err != nil || len(p.Actions) != 0 {
		t.Fatalf("cached evaluation: %v\n%s", err, describe(p))
	}
	// New data on which v1 scores 0.7: retrained.
	snapC := w.snapshot("a\nb\nc\n", "0.7")
	_, res = w.apply(snapC)
	v2 := w.st.Models["churn"].Version(2)
	if res.Failed() || v2 == nil || !strings.Contains(strings.Join(v2.Reasons, ";"), "accuracy of v1 on current data is 0.7 < 0.85") {
		t.Fatalf("below the floor:\n%s\n%+v", summaries(res), v2)
	}
	if lt := w.st.Policies["p"].LastTrain["churn"]; !lt.Equal(modelNow) {
		t.Fatalf("last train %v", lt)
	}
}

func TestApplyRefusesStalePlan(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(w *applyWorld, p *plans.Plan)
		want   string
	}{
		{"code edited after plan", func(w *applyWorld, p *plans.Plan) {
			os.WriteFile(filepath.Join(w.ws.BaseDir, "trainer", "main.go"), []byte("package main // edited\n"), 0o644)
		}, "the inputs of model.churn changed since the plan"},
		{"plan names another dataset", func(w *applyWorld, p *plans.Plan) {
			p.Actions[0].Train.Snapshots = map[string]string{"other": strings.Repeat("c", 64)}
		}, "model.churn: the plan has no snapshot of dataset.churn; run plan again"},
		{"plan names an extra dataset", func(w *applyWorld, p *plans.Plan) {
			p.Actions[0].Train.Snapshots["other"] = strings.Repeat("c", 64)
		}, "the plan trains on 2 datasets, the model declares 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newApplyWorld(t)
			snap := w.snapshot("a\n", "0.9")
			p, err := w.plan(snap, false)
			if err != nil || len(p.Actions) != 1 {
				t.Fatalf("plan: %v\n%s", err, describe(p))
			}
			tt.mutate(w, p)
			res, err := (&engine.Engine{Runners: runners(w.specs)}).Run(context.Background(), nil, w.ws, p, w.st, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !res.Failed() || !strings.Contains(summaries(res), tt.want) {
				t.Fatalf("got:\n%s\nwant an error containing %q", summaries(res), tt.want)
			}
			if m := w.st.Models["churn"]; m != nil && len(m.Versions) != 0 {
				t.Fatalf("a refused train recorded versions: %+v", m.Versions)
			}
		})
	}
}

// TestApplyModelsInParallel trains two models on the same snapshot at once
// and promotes both (run with -race).
func TestApplyModelsInParallel(t *testing.T) {
	w := newApplyWorld(t)
	g, err := engine.NewGraph([]*engine.Node{
		{Addr: "dataset.churn"},
		{Addr: "model.churn", DependsOn: []string{"dataset.churn"}},
		{Addr: "model.fraud", DependsOn: []string{"dataset.churn"}},
		{Addr: "promotion.prod", DependsOn: []string{"model.churn"}},
		{Addr: "promotion.fraud", DependsOn: []string{"model.fraud"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	w.ws.Graph = g
	fraud := *w.specs.Models["churn"]
	fraud.Name = "fraud"
	w.specs.Models["fraud"] = &fraud
	w.specs.Promotions["prod"] = &promotionSpec{Name: "prod", Model: "churn", Alias: "production"}
	w.specs.Promotions["fraud"] = &promotionSpec{Name: "fraud", Model: "fraud", Alias: "production"}
	snap := w.snapshot("a\nb\n", "0.9")
	p := &plans.Plan{FormatVersion: plans.PlanFormatVersion, Actions: []*plans.Action{}}
	sel := map[string]bool{}
	for _, a := range g.Order() {
		sel[a] = true
	}
	pc := &engine.PlanContext{WS: w.ws, State: w.st, Plan: p, Selected: sel, NextSnapshots: map[string]string{"churn": snap}}
	if err := planModelsWith(context.Background(), pc, w.specs); err != nil {
		t.Fatal(err)
	}
	if len(p.Actions) != 4 {
		t.Fatalf("plan:\n%s", describe(p))
	}
	res, err := (&engine.Engine{Runners: runners(w.specs), Parallelism: 4}).Run(context.Background(), nil, w.ws, p, w.st, nil)
	if err != nil || res.Failed() {
		t.Fatalf("%v\n%s", err, summaries(res))
	}
	for _, name := range []string{"churn", "fraud"} {
		m := w.st.Models[name]
		if m == nil || len(m.Versions) != 1 || m.Aliases["production"] == nil || m.Aliases["production"].Version != 1 {
			t.Fatalf("model %s: %+v", name, m)
		}
	}
}
