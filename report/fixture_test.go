package report

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlform/mlform/config"
	"github.com/mlform/mlform/planner/profile"
	"github.com/mlform/mlform/providers/storage"
	"github.com/mlform/mlform/providers/storage/manifest"
	"github.com/mlform/mlform/state"
)

var t0 = time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)

// fixture is a workspace's recorded world after a few retrains: three
// snapshots of dataset.churn with stored profiles (the third drifted),
// model.churn with served, held and failed attempts and training curves,
// a model with no alias, and a configuration whose gate has a threshold.
type fixture struct {
	State  *state.State
	Config *config.Config
	Stores *StoreSet
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	cfgSrc := `
variable "min_accuracy" {
  type    = number
  default = 0.8
}
dataset "churn" {
  source = "data"
  stats { columns = ["tenure", "plan"] }
}
environment "cpu" { executor = "local" }
model "churn" {
  datasets    = [dataset.churn]
  environment = environment.cpu
  train { command = ["sh", "train.sh"] }
}
model "fraud" {
  datasets = [dataset.churn]
  train { command = ["sh", "train.sh"] }
}
promotion "churn_production" {
  model = model.churn
  alias = "production"
  gate {
    condition     = candidate.metrics.accuracy >= var.min_accuracy
    error_message = "accuracy below the floor"
  }
  gate {
    condition     = candidate.metrics.loss <= champion.metrics.loss
    error_message = "no worse loss than the champion"
  }
  must_beat { metric = "accuracy" }
}
`
	must(t, os.MkdirAll(filepath.Join(dir, "data"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "main.mlf.hcl"), []byte(cfgSrc), 0o644))
	cfg, diags := config.Load(dir, config.LoadOptions{Getenv: func(string) string { return "" }})
	if diags.HasErrors() {
		t.Fatalf("config: %v", diags)
	}
	storeURL := "file://" + filepath.ToSlash(filepath.Join(dir, "store"))
	store, err := storage.Open(ctx, storeURL, storage.Options{})
	must(t, err)
	defer store.Close()

	st := state.New()
	st.Lineage = "5d2a6c1e-0000-4000-8000-000000000001"
	st.Serial = 9 // the serial testPlan was made against: the plan is current
	ds := &state.Dataset{Name: "churn"}
	st.Datasets["churn"] = ds
	for i := 0; i < 3; i++ {
		csv := genCSV(400+200*i, i == 2)
		p, err := profile.CSV(strings.NewReader(csv), "part.csv", []string{"tenure", "plan"})
		must(t, err)
		b, err := profile.Encode(p)
		must(t, err)
		pid, err := store.PutObject(ctx, b)
		must(t, err)
		ds.Snapshots = append(ds.Snapshots, &state.Snapshot{
			ID: strings.Repeat(fmt.Sprintf("%02x", 0xa1+i), 32), CreatedAt: t0.Add(time.Duration(i) * 24 * time.Hour), Source: "data",
			Files: i + 1, Bytes: int64(len(csv)), ProfileID: pid, Store: "default"})
	}

	m := st.EnsureModel("churn")
	type att struct {
		status  string
		metrics map[string]float64
		snap    int
		curves  bool
	}
	atts := []att{
		{state.StatusSucceeded, map[string]float64{"accuracy": 0.82, "loss": 0.45}, 0, true},
		{state.StatusSucceeded, map[string]float64{"accuracy": 0.86, "loss": 0.41}, 1, true},
		{state.StatusSucceeded, map[string]float64{"accuracy": 0.79, "loss": 0.47}, 1, false}, // held by the gate
		{state.StatusFailed, nil, 2, false},
		{state.StatusSucceeded, map[string]float64{"accuracy": 0.88, "loss": 0.39}, 2, true},
	}
	for i, a := range atts {
		n := i + 1
		v := &state.Version{Version: n, Status: a.status, Metrics: a.metrics,
			Reasons:   []string{fmt.Sprintf("reason %d <b>not bold</b>", n)},
			StartedAt: t0.Add(time.Duration(i)*24*time.Hour + time.Hour), EndedAt: t0.Add(time.Duration(i)*24*time.Hour + time.Hour + 90*time.Second),
			Host: "ci-runner", User: "ci", Store: "default",
			Inputs: state.Inputs{Snapshots: map[string]string{"churn": ds.Snapshots[a.snap].ID}, CodeHash: strings.Repeat("c", 64),
				Params: map[string]any{"learning_rate": 0.01 * float64(n), "epochs": 10.0}, Environment: "cpu",
				EnvFingerprint: strings.Repeat("e", 64), Command: []string{"sh", "train.sh"}, Digest: fmt.Sprintf("%064x", 100+n)}}
		if a.status == state.StatusFailed {
			v.ExitCode, v.Error = 1, "train exited with status 1"
		} else {
			v.ArtifactsID = putArtifacts(t, store, n, a.curves)
		}
		m.Versions = append(m.Versions, v)
	}
	m.NextVersion = 6
	m.Aliases["production"] = &state.Alias{Name: "production", Version: 5, History: []*state.AliasMove{
		{From: 0, To: 1, At: t0.Add(2 * time.Hour), By: "ci@runner", Promotion: "churn_production", Reason: "gates passed"},
		{From: 1, To: 2, At: t0.Add(26 * time.Hour), By: "alice@laptop", Promotion: "churn_production", Reason: "beats v1 on accuracy",
			ApprovedBy: "bob@desk", ApprovedAt: t0.Add(25 * time.Hour)},
		{From: 2, To: 5, At: t0.Add(98 * time.Hour), By: "ci@runner", Promotion: "churn_production", Reason: `beats v2 <script>alert("x")</script>`},
	}}
	m.Evaluations = []*state.Evaluation{{Version: 2, Snapshots: map[string]string{"churn": ds.Snapshots[2].ID},
		Metrics: map[string]float64{"accuracy": 0.74}, At: t0.Add(72 * time.Hour), Status: state.StatusSucceeded}}
	st.Policies["churn"] = &state.Policy{Name: "churn", LastTrain: map[string]time.Time{"churn": t0.Add(98 * time.Hour)}}

	f := st.EnsureModel("fraud")
	f.Versions = append(f.Versions, &state.Version{Version: 1, Status: state.StatusSucceeded, Metrics: map[string]float64{"recall": 0.6},
		StartedAt: t0, EndedAt: t0.Add(time.Minute), Host: "h", User: "u", Store: "default",
		Inputs: state.Inputs{Snapshots: map[string]string{"churn": ds.Snapshots[0].ID}, CodeHash: strings.Repeat("d", 64),
			Params: map[string]any{}, EnvFingerprint: strings.Repeat("e", 64), Command: []string{"x"}, Digest: fmt.Sprintf("%064x", 200)}})
	f.NextVersion = 2
	must(t, st.Validate())
	must(t, store.Flush(ctx))
	return &fixture{State: st, Config: cfg, Stores: NewStoreSet(map[string]string{"default": storeURL}, dir)}
}

// input is the report of the fixture's workspace five days after t0, by
// mlform version "test".
func (f *fixture) input() Input {
	return Input{State: f.State, Config: f.Config, Stores: f.Stores, Now: t0.Add(120 * time.Hour), Version: "test"}
}

// putArtifacts stores a model file, metrics.json and (curves) a
// metrics.jsonl of 20 steps, returning the artifacts manifest id.
func putArtifacts(t *testing.T, s *storage.Store, n int, curves bool) string {
	ctx := context.Background()
	files := map[string]string{"model.txt": fmt.Sprintf("model %d", n), "metrics.json": "{}"}
	if curves {
		var b strings.Builder
		for step := 1; step <= 20; step++ {
			loss := 1/float64(step) + 0.1*float64(n)
			fmt.Fprintf(&b, `{"step": %d, "loss": %.4f, "val_loss": %.4f, "phase": "train"}`+"\n", step, loss, loss+0.05)
		}
		files["metrics.jsonl"] = b.String()
	}
	var fs []manifest.File
	for _, p := range []string{"metrics.json", "metrics.jsonl", "model.txt"} {
		c, ok := files[p]
		if !ok {
			continue
		}
		f, err := s.PutFile(ctx, strings.NewReader(c))
		must(t, err)
		f.Path, f.Mode = p, 0o644
		fs = append(fs, f)
	}
	id, err := s.PutManifest(ctx, &manifest.Manifest{Kind: manifest.KindArtifacts, Files: fs})
	must(t, err)
	return id
}

// genCSV writes rows customers; drifted ones have shorter tenure and
// mostly the monthly plan.
func genCSV(rows int, drifted bool) string {
	var b strings.Builder
	b.WriteString("id,tenure,plan\n")
	for i := 0; i < rows; i++ {
		tenure := float64(i%60) + 1
		plan := []string{"monthly", "yearly", "two_year"}[i%3]
		if drifted {
			tenure = math.Floor(tenure / 3)
			if i%4 != 0 {
				plan = "monthly"
			}
		}
		fmt.Fprintf(&b, "%d,%g,%s\n", i, tenure, plan)
	}
	return b.String()
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
