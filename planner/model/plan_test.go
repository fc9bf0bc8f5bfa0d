package model

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mlform/mlform/internal/wanterr"
	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/planner/internal/plannertest"
	"github.com/mlform/mlform/planner/plans"
	"github.com/mlform/mlform/planner/policy"
	"github.com/mlform/mlform/state"
)

var modelNow = time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)

// modelWorld is a workspace with one dataset "churn" (snapshot ids given
// per test), one model "churn" and optionally a policy and a promotion.
type modelWorld struct {
	t     testing.TB
	ws    *engine.Workspace
	specs *modelSpecs
	st    *state.State
}

func newModelWorld(t testing.TB) *modelWorld {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "trainer"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "trainer", "main.go"), []byte("package main\n"), 0o644)
	g, err := engine.NewGraph([]*engine.Node{
		{Addr: "dataset.churn"},
		{Addr: "model.churn", DependsOn: []string{"dataset.churn"}},
		{Addr: "promotion.prod", DependsOn: []string{"model.churn"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	ws := &engine.Workspace{BaseDir: dir, Now: modelNow, Graph: g, Datasets: map[string]engine.DatasetSpec{"churn": {Name: "churn"}}, Executors: plannertest.LocalExecutors()}
	specs := &modelSpecs{
		Models: map[string]*modelSpec{"churn": {Name: "churn", Datasets: []string{"churn"}, Code: []string{"trainer/**"},
			Environment: policy.Environment{Executor: "local"}, Storage: "default",
			Train:    stepSpec{Command: []string{"./train"}, Params: map[string]any{"learning_rate": 0.05}},
			Evaluate: &stepSpec{Command: []string{"./eval"}}}},
		Policies:   map[string]*policySpec{},
		Promotions: map[string]*promotionSpec{},
	}
	return &modelWorld{t: t, ws: ws, specs: specs, st: &state.State{Models: map[string]*state.Model{}, Datasets: map[string]*state.Dataset{}}}
}

// version records the next version of churn, trained on snapshot snap
// with the current spec's inputs, with an accuracy metric when one is
// given.
func (w *modelWorld) version(status, snap string, accuracy ...float64) *state.Version {
	w.t.Helper()
	in, err := buildInputs(w.ws.BaseDir, w.specs.Models["churn"], map[string]string{"churn": snap}, nil)
	if err != nil {
		w.t.Fatal(err)
	}
	m := w.st.EnsureModel("churn")
	n := max(m.NextVersion, 1)
	v := &state.Version{Version: n, Status: status, Inputs: in, EndedAt: modelNow.Add(-time.Hour), ArtifactsID: fmt.Sprintf("%064x", n)}
	if len(accuracy) > 0 {
		v.Metrics = map[string]float64{"accuracy": accuracy[0]}
	}
	m.Versions = append(m.Versions, v)
	m.NextVersion = n + 1
	return v
}

// ok records the next version as succeeded (see version).
func (w *modelWorld) ok(snap string, accuracy ...float64) *state.Version {
	return w.version(state.StatusSucceeded, snap, accuracy...)
}

func (w *modelWorld) alias(name string, v int) {
	m := w.st.EnsureModel("churn")
	m.Aliases[name] = &state.Alias{Name: name, Version: v}
}

// policy makes p the retrain policy "p" of churn.
func (w *modelWorld) policy(p policy.Policy) {
	w.specs.Policies["p"] = &policySpec{Name: "p", Models: []string{"churn"}, Policy: p}
}

// evaluated records succeeded evaluations on snapshot snap by evaluator:
// version i+1 scored accuracy[i].
func (w *modelWorld) evaluated(snap, evaluator string, accuracy ...float64) {
	m := w.st.Models["churn"]
	for i, a := range accuracy {
		m.Evaluations = append(m.Evaluations, &state.Evaluation{Version: i + 1, Snapshots: map[string]string{"churn": snap},
			Status: state.StatusSucceeded, Metrics: map[string]float64{"accuracy": a}, Evaluator: evaluator})
	}
}

// evaluator is the digest of churn's evaluate step as declared now.
func (w *modelWorld) evaluator(t *testing.T) string {
	t.Helper()
	d, err := evaluatorDigest(w.ws.BaseDir, w.specs.Models["churn"], nil)
	if err != nil || d == "" {
		t.Fatalf("evaluator digest %q: %v", d, err)
	}
	return d
}

// plan runs the model stage with dataset churn at snapshot snap (planned
// as a new snapshot when snapAction).
func (w *modelWorld) plan(snap string, snapAction bool, replace ...string) (*plans.Plan, error) {
	p := &plans.Plan{FormatVersion: plans.PlanFormatVersion, Actions: []*plans.Action{}}
	pc := &engine.PlanContext{WS: w.ws, State: w.st, Plan: p, Options: engine.PlanOptions{Replace: replace},
		Selected: map[string]bool{"dataset.churn": true, "model.churn": true, "promotion.prod": true, "promotion.a_prod": true, "promotion.b_staging": true}, NextSnapshots: map[string]string{"churn": snap}}
	if snapAction {
		pc.AddAction(&plans.Action{Addr: "dataset.churn", Kind: plans.KindSnapshot, Reasons: []plans.Reason{{Code: plans.ReasonDataChanged}},
			Snapshot: &plans.SnapshotChange{Dataset: "churn", NewID: snap, Store: "default", Observation: &plans.Observation{}}})
	}
	err := planModelsWith(context.Background(), pc, w.specs)
	return p, err
}

// mustPlan is plan where planning must succeed: an error fails the test.
func (w *modelWorld) mustPlan(snap string, snapAction bool, replace ...string) *plans.Plan {
	w.t.Helper()
	p, err := w.plan(snap, snapAction, replace...)
	if err != nil {
		w.t.Fatal(err)
	}
	return p
}

func describe(p *plans.Plan) string {
	var b strings.Builder
	for _, a := range p.Actions {
		b.WriteString(a.Kind + " " + a.Addr)
		if a.Train != nil {
			b.WriteString(" v" + itoa(a.Train.Version))
		}
		if a.Promote != nil {
			b.WriteString(" " + itoa(a.Promote.From) + "->" + itoa(a.Promote.To))
		}
		b.WriteString(" [" + reasonText(a.Reasons) + "] deps=" + strings.Join(a.DependsOn, ",") + "\n")
	}
	for _, n := range p.Notes {
		b.WriteString("note " + n.Addr + ": " + n.Message + "\n")
	}
	return b.String()
}

func reasonText(rs []plans.Reason) string {
	var out []string
	for _, r := range rs {
		out = append(out, string(r.Code)+": "+r.Message)
	}
	return strings.Join(out, "; ")
}

func itoa(n int) string { return strconv.Itoa(n) }

func f(x float64) *float64 { return &x }

func TestPlanModels(t *testing.T) {
	snapA, snapB := strings.Repeat("a", 64), strings.Repeat("b", 64)
	prod := func(w *modelWorld) *promotionSpec {
		pr := &promotionSpec{Name: "prod", Model: "churn", Alias: "production",
			Gates:    []policy.Gate{{ErrorMessage: "accuracy below the floor", Eval: func(c, _ map[string]float64) (bool, error) { return c["accuracy"] >= 0.8, nil }}},
			MustBeat: &policy.MustBeat{Metric: "accuracy", Direction: policy.Higher}}
		w.specs.Promotions["prod"] = pr
		return pr
	}
	// serving: production serves v1 (accuracy a1, on snap1); v2 (a2, on
	// snap2) is the candidate.
	serving := func(w *modelWorld, snap1 string, a1 float64, snap2 string, a2 float64) *state.Version {
		prod(w)
		w.ok(snap1, a1)
		v2 := w.ok(snap2, a2)
		w.alias("production", 1)
		return v2
	}
	below := func(v float64) policy.Policy {
		return policy.Policy{Metrics: []policy.MetricTrigger{{Metric: "accuracy", Below: f(v)}}}
	}
	noEvaluate := func(w *modelWorld) { w.specs.Models["churn"].Evaluate = nil }
	lr := func(w *modelWorld, v float64) {
		w.specs.Models["churn"].Train.Params = map[string]any{"learning_rate": v}
	}
	// Each case plans dataset churn at snap (a new snapshot when new) and
	// wants these prefixes of describe's lines, in order, or the error.
	tests := []struct {
		name  string
		setup func(w *modelWorld)
		snap  string
		new   bool
		want  []string
		err   string
	}{
		{name: "first apply trains v1 and promotes it after apply", snap: snapA, new: true, setup: func(w *modelWorld) { prod(w) }, want: []string{
			"snapshot dataset.churn",
			"train model.churn v1 [new: model.churn has no version yet] deps=dataset.churn",
			"promote promotion.prod 0->1 [candidate: alias production moves if v1 passes 1 gate] deps=model.churn"}},
		{name: "up to date: nothing", snap: snapA, want: []string{},
			setup: func(w *modelWorld) { prod(w); w.ok(snapA, 0.9); w.alias("production", 1) }},
		{name: "params change without policy retrains; promotion waits for must_beat", snap: snapA, setup: func(w *modelWorld) {
			prod(w)
			w.ok(snapA, 0.9)
			w.alias("production", 1)
			lr(w, 0.08)
		}, want: []string{
			"train model.churn v2 [params_changed: params changed: learning_rate] deps=\n",
			"promote promotion.prod 1->2 [candidate: alias production moves if v2 passes 1 gate and beats v1 on accuracy] deps=model.churn"}},
		{name: "drift trigger without stats columns says it measures nothing", snap: snapB, setup: func(w *modelWorld) {
			w.ok(snapA)
			w.policy(policy.Policy{Drift: &policy.DriftTrigger{Method: "psi", Threshold: 0.2}})
		}, want: []string{
			"note model.churn: the drift trigger measures nothing: no dataset of model.churn declares stats columns",
			"note model.churn: data changed, retrain deferred by policy (no on_change and no schedule"}},
		{name: "schedule-only policy defers a data change", snap: snapB, new: true, setup: func(w *modelWorld) {
			w.ok(snapA)
			s, _ := policy.ParseSchedule("0 3 * * 1", 0)
			w.policy(policy.Policy{Schedule: s})
			w.st.Policies = map[string]*state.Policy{"p": {Name: "p", LastTrain: map[string]time.Time{"churn": modelNow.Add(-time.Hour)}}}
		}, want: []string{"snapshot dataset.churn", "note model.churn: data changed, retrain deferred by policy (schedule: next Mon 2026-01-12 03:00 UTC)"}},
		{name: "-replace retrains an up-to-date model", snap: snapA, setup: func(w *modelWorld) { w.ok(snapA) },
			want: []string{"train model.churn v2 [replace: forced by -replace=model.churn]"}},
		{name: "metric trigger without an evaluation: conditional train", snap: snapB, new: true,
			setup: func(w *modelWorld) { w.ok(snapA, 0.9); w.policy(below(0.85)) },
			want:  []string{"snapshot dataset.churn", "train model.churn v2 [metric_below: retrains if v1 on the new data has accuracy < 0.85 (evaluated during apply); data_changed"}},
		{name: "metric trigger with a cached evaluation below the floor", snap: snapB, new: true,
			setup: func(w *modelWorld) { w.ok(snapA, 0.9); w.evaluated(snapB, w.evaluator(t), 0.7); w.policy(below(0.85)) },
			want:  []string{"snapshot dataset.churn", "train model.churn v2 [metric_below: accuracy of v1 on current data is 0.7 < 0.85"}},
		{name: "metric trigger with a cached evaluation above the floor: deferred", snap: snapB, new: true,
			setup: func(w *modelWorld) { w.ok(snapA, 0.9); w.evaluated(snapB, w.evaluator(t), 0.88); w.policy(below(0.85)) },
			want:  []string{"snapshot dataset.churn", "note model.churn: data changed, retrain deferred by policy"}},
		// A score by an evaluate step declared otherwise before (or by
		// no known step) is not what the trigger measures now.
		{name: "metric trigger with an evaluation by another evaluator: conditional train", snap: snapB, new: true,
			setup: func(w *modelWorld) { w.ok(snapA, 0.9); w.evaluated(snapB, "old", 0.88); w.policy(below(0.85)) },
			want:  []string{"snapshot dataset.churn", "train model.churn v2 [metric_below: retrains if v1 on the new data has accuracy < 0.85 (evaluated during apply); data_changed"}},
		{name: "metric trigger with an evaluation by an unknown evaluator: conditional train", snap: snapB, new: true,
			setup: func(w *modelWorld) { w.ok(snapA, 0.9); w.evaluated(snapB, "", 0.88); w.policy(below(0.85)) },
			want:  []string{"snapshot dataset.churn", "train model.churn v2 [metric_below: retrains if v1 on the new data has accuracy < 0.85 (evaluated during apply); data_changed"}},
		{name: "candidate decided once the champion is evaluated on its data", snap: snapB,
			setup: func(w *modelWorld) { serving(w, snapA, 0.9, snapB, 0.7) },
			want:  []string{"promote promotion.prod 1->2 [candidate: alias production moves to v2 if it passes 1 gate and beats v1 on accuracy, once v2 and v1 are evaluated on v2's training data (during apply)]"}},
		{name: "identical artifacts: held at plan, nothing to evaluate", snap: snapA,
			setup: func(w *modelWorld) { serving(w, snapA, 0.8, snapA, 0.9).ArtifactsID = fmt.Sprintf("%064x", 1) },
			want:  []string{"note promotion.prod: alias production stays at v1: v2 held: no better than v1: its artifacts are identical"}},
		{name: "recorded evaluations by the current evaluator decide at plan", snap: snapB, setup: func(w *modelWorld) {
			serving(w, snapA, 0.9, snapB, 0.95)
			d, err := evaluatorDigest(w.ws.BaseDir, w.specs.Models["churn"], nil)
			if err != nil || d == "" {
				t.Fatalf("evaluator digest %q: %v", d, err)
			}
			w.evaluated(snapB, d, 0.88, 0.86)
		}, want: []string{"note promotion.prod: alias production stays at v1: v2 held: must_beat: accuracy of v2 is 0.86, v1 has 0.88 (both scored by the evaluate step on v2's training data); must be higher"}},
		{name: "an evaluation by another evaluator is not comparable", snap: snapB,
			setup: func(w *modelWorld) { serving(w, snapA, 0.9, snapB, 0.95); w.evaluated(snapB, "old", 0.88, 0.86) },
			want:  []string{"promote promotion.prod 1->2 [candidate: alias production moves to v2 if it passes 1 gate and beats v1 on accuracy, once v2 and v1 are evaluated on v2's training data (during apply)]"}},
		// New data is not trained on (code changes only), but it is what
		// both versions are scored on.
		{name: "evaluate_on: both scored on the holdout's current snapshot", snap: snapB, setup: func(w *modelWorld) {
			serving(w, snapA, 0.9, snapA, 0.95)
			w.specs.Promotions["prod"].EvaluateOn = []string{"churn"}
			w.policy(policy.Policy{OnChange: []string{"code"}})
		}, want: []string{"promote promotion.prod 1->2 [candidate: alias production moves to v2 if it passes 1 gate and beats v1 on accuracy, once v2 and v1 are evaluated on dataset.churn@" + snapB[:12] + " (during apply)]",
			"note model.churn: data changed, retrain deferred by policy"}},
		{name: "evaluate_on a dataset without a snapshot holds", snap: snapA,
			setup: func(w *modelWorld) {
				serving(w, snapA, 0.9, snapA, 0.95)
				w.specs.Promotions["prod"].EvaluateOn = []string{"holdout"}
			},
			want: []string{"note promotion.prod: alias production stays at v1: v2 held: dataset.holdout (evaluate_on) has no snapshot to evaluate on"}},
		{name: "production takes its candidate from staging, planned after it", snap: snapA, new: true, setup: func(w *modelWorld) {
			noEvaluate(w)
			w.specs.Promotions["a_prod"] = &promotionSpec{Name: "a_prod", Model: "churn", Alias: "production", From: "staging", Approval: true}
			w.specs.Promotions["b_staging"] = &promotionSpec{Name: "b_staging", Model: "churn", Alias: "staging"}
		}, want: []string{"snapshot dataset.churn", "train model.churn v1",
			"promote promotion.b_staging 0->1 [candidate: alias staging moves to v1 once it is trained] deps=model.churn",
			"promote promotion.a_prod 0->1 [candidate: alias production moves to the version alias staging gets (v1), then waits for an approval] deps=promotion.b_staging"}},
		{name: "held candidate is a note", snap: snapA,
			setup: func(w *modelWorld) { serving(w, snapA, 0.9, snapA, 0.7); noEvaluate(w) },
			want:  []string{"note promotion.prod: alias production stays at v1: v2 held: accuracy below the floor; must_beat: accuracy of v2 is 0.7, v1 has 0.9 (train-step metrics: no evaluate step); must be higher"}},
		{name: "held first candidate leaves the alias unset", snap: snapA,
			setup: func(w *modelWorld) { prod(w); noEvaluate(w); w.ok(snapA, 0.7) },
			want:  []string{"note promotion.prod: alias production stays unset: v1 held: accuracy below the floor"}},
		{name: "a pin in place says the new version is not promoted", snap: snapA, setup: func(w *modelWorld) {
			prod(w).Version = 1
			w.ok(snapA, 0.9)
			w.alias("production", 1)
			lr(w, 0.5)
		}, want: []string{
			"train model.churn v2 [params_changed: params changed: learning_rate]",
			"note promotion.prod: alias production stays at v1 (pinned by version = 1): v2, trained by this plan, is not promoted while the pin stays"}},
		{name: "pin rolls back", snap: snapA,
			setup: func(w *modelWorld) {
				serving(w, snapA, 0.9, snapA, 0.95)
				w.alias("production", 2)
				w.specs.Promotions["prod"].Version = 1
			},
			want: []string{"promote promotion.prod 2->1 [pinned: pinned by version = 1 (rollback from v2); gates do not apply to a pin] deps="}},
		{name: "a pin does not wait for a train in the same plan", snap: snapA, setup: func(w *modelWorld) {
			serving(w, snapA, 0.9, snapA, 0.95)
			w.alias("production", 2)
			w.specs.Promotions["prod"].Version = 1
			lr(w, 0.5)
		}, want: []string{"train model.churn v3", "promote promotion.prod 2->1 [pinned: pinned by version = 1 (rollback from v2); gates do not apply to a pin] deps="}},
		{name: "pin to a failed version is an error", snap: snapA, err: "promotion.prod: version = 2: v2 failed",
			setup: func(w *modelWorld) { prod(w).Version = 2; w.ok(snapA); w.version(state.StatusFailed, snapA) }},
		{name: "after a failed attempt the model trains again", snap: snapA,
			setup: func(w *modelWorld) { w.version(state.StatusFailed, snapA) },
			want:  []string{"train model.churn v2 [new: model.churn has no succeeded version (v1 failed)]"}},
		{name: "publish missing: republish action", snap: snapA,
			setup: func(w *modelWorld) {
				prod(w).PublishURL = "mem://published"
				w.ok(snapA, 0.9)
				w.alias("production", 1)
			},
			want: []string{"publish promotion.prod [publish: v1 is not published to mem://published yet]"}},
		{name: "a model no longer declared is a note", snap: snapA,
			setup: func(w *modelWorld) { w.ok(snapA); w.st.EnsureModel("fraud") },
			want:  []string{"note model.fraud: no longer declared; its versions and aliases stay in state"}},
		{name: "a model no longer declared names its uncollected jobs", snap: snapA,
			setup: func(w *modelWorld) {
				w.ok(snapA)
				m := w.st.EnsureModel("fraud")
				m.NextVersion = 11
				m.Running = []*state.RunningAttempt{
					{Version: 10, Step: "train", Executor: "kubernetes", JobID: "mlform-fraud-v10-train-x"},
					{Version: 9, Step: "train", Executor: "slurm", JobID: "14"},
				}
			},
			want: []string{"note model.fraud: no longer declared; its versions and aliases stay in state (mlform state rm model.fraud forgets them); v9 (slurm job 14), v10 (kubernetes job mlform-fraud-v10-train-x) submitted and not collected: apply collects a job only for a declared model, so declare model.fraud again and apply to record it"}},
		{name: "a model no longer declared names its uncollected evaluation jobs", snap: snapA,
			setup: func(w *modelWorld) {
				w.ok(snapA)
				m := w.st.EnsureModel("fraud")
				m.Evaluating = []*state.RunningEvaluation{{Version: 3, Executor: "slurm", JobID: "21"}}
			},
			want: []string{"note model.fraud: no longer declared; its versions and aliases stay in state (mlform state rm model.fraud forgets them); the evaluation of v3 (slurm job 21) submitted and not collected"}},
		{name: "code glob matching nothing is an error", snap: snapA, err: `model.churn: code: glob "src/**" matches no file`,
			setup: func(w *modelWorld) { w.specs.Models["churn"].Code = []string{"src/**"} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newModelWorld(t)
			tt.setup(w)
			var replace []string
			if strings.HasPrefix(tt.name, "-replace") {
				replace = []string{"model.churn"}
			}
			p, err := w.plan(tt.snap, tt.new, replace...)
			if wanterr.Check(t, err, tt.err) {
				return
			}
			got := describe(p)
			lines := strings.SplitAfter(strings.TrimSuffix(got, "\n"), "\n")
			if got == "" {
				lines = nil
			}
			if len(lines) != len(tt.want) {
				t.Fatalf("got %d lines, want %d:\n%s", len(lines), len(tt.want), got)
			}
			for i, want := range tt.want {
				if !strings.HasPrefix(lines[i], want) {
					t.Errorf("line %d:\n got %q\nwant prefix %q", i, lines[i], want)
				}
			}
			if err := plans.ValidatePlan(p); err != nil {
				t.Fatalf("invalid plan: %v", err)
			}
		})
	}
}

// BenchmarkPlanModelUpToDate is the cost of planning an up-to-date model
// whose code tree has 1000 files: hashing every file, or one lstat per
// file with the code stat cache.
func BenchmarkPlanModelUpToDate(b *testing.B) {
	for _, cached := range []bool{false, true} {
		b.Run(fmt.Sprintf("cache=%v", cached), func(b *testing.B) {
			w := newModelWorld(b)
			old := time.Now().Add(-time.Hour)
			for i := 0; i < 1000; i++ {
				p := filepath.Join(w.ws.BaseDir, "trainer", "pkg"+strconv.Itoa(i%10), "f"+strconv.Itoa(i)+".go")
				os.MkdirAll(filepath.Dir(p), 0o755)
				os.WriteFile(p, []byte(strings.Repeat("// code\n", 256)), 0o644)
				os.Chtimes(p, old, old)
			}
			os.Chtimes(filepath.Join(w.ws.BaseDir, "trainer", "main.go"), old, old)
			if cached {
				w.ws.CacheDir = b.TempDir()
			}
			snap := strings.Repeat("a", 64)
			in, err := buildInputs(w.ws.BaseDir, w.specs.Models["churn"], map[string]string{"churn": snap}, nil)
			if err != nil {
				b.Fatal(err)
			}
			m := w.st.EnsureModel("churn")
			m.Versions = []*state.Version{{Version: 1, Status: state.StatusSucceeded, Inputs: in}}
			m.NextVersion = 2
			if _, err := w.plan(snap, false); err != nil { // fills the cache
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				p, err := w.plan(snap, false)
				if err != nil || len(p.Actions) != 0 {
					b.Fatalf("plan: %v %d actions", err, len(p.Actions))
				}
			}
		})
	}
}

// A metric trigger watches the version serving at the end of a staged
// chain (production, fed by canary), whatever the promotions are called;
// an unset last stage falls back to the earlier one, then to the latest.
func TestChampionVersionIsTheLastStage(t *testing.T) {
	tests := []struct {
		name    string
		aliases map[string]int
		want    int
	}{
		{"last stage set", map[string]int{"canary": 2, "production": 1}, 1},
		{"last stage unset", map[string]int{"canary": 2}, 2},
		{"no alias", nil, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := state.New()
			m := st.EnsureModel("churn")
			for n := 1; n <= 3; n++ {
				m.Versions = append(m.Versions, &state.Version{Version: n, Status: state.StatusSucceeded})
			}
			for a, v := range tt.aliases {
				m.Aliases[a] = &state.Alias{Name: a, Version: v}
			}
			specs := &modelSpecs{Models: map[string]*modelSpec{"churn": {Name: "churn"}}, Promotions: map[string]*promotionSpec{
				"a_canary": {Name: "a_canary", Model: "churn", Alias: "canary"},
				"b_prod":   {Name: "b_prod", Model: "churn", Alias: "production", From: "canary"},
			}}
			if got := championVersion(st, specs, "churn"); got != tt.want {
				t.Fatalf("championVersion = v%d, want v%d", got, tt.want)
			}
		})
	}
}
