// Tests of the churn example as a user runs it: the trainer is built from
// its own module and run through the local executor with the training
// contract, exactly as `mlform apply` runs it.
package churn_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mlform/mlform/config"
	"github.com/mlform/mlform/providers/executor"
	"github.com/mlform/mlform/providers/executor/local"
	"github.com/mlform/mlform/state"
)

var build struct {
	once    sync.Once
	dir     string
	err     error
	trainer string
	gendata string
}

// binaries builds the trainer (its own module) and gendata once per run.
func binaries(t *testing.T) (trainer, gendata string) {
	t.Helper()
	build.once.Do(func() {
		if _, err := exec.LookPath("go"); err != nil {
			build.err = fmt.Errorf("the go tool is needed to build the trainer: %w", err)
			return
		}
		build.dir, build.err = os.MkdirTemp("", "churn-bin")
		if build.err != nil {
			return
		}
		build.trainer = filepath.Join(build.dir, "churn-trainer")
		build.gendata = filepath.Join(build.dir, "gendata")
		for _, c := range [][]string{
			{"go", "build", "-C", "trainer", "-o", build.trainer, "."},
			{"go", "build", "-o", build.gendata, "./cmd/gendata"},
		} {
			if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
				build.err = fmt.Errorf("%s: %v\n%s", strings.Join(c, " "), err, out)
				return
			}
		}
	})
	if build.err != nil {
		t.Fatal(build.err)
	}
	return build.trainer, build.gendata
}

func TestMain(m *testing.M) {
	code := m.Run()
	if build.dir != "" {
		os.RemoveAll(build.dir)
	}
	os.Exit(code)
}

// step runs the trainer once through the local executor and returns the
// output dir, the result and stderr.
type step struct {
	name     string
	data     string // dataset dir
	modelDir string // evaluate only
	params   map[string]any
}

func runStep(t *testing.T, s step) (out string, res executor.Result, stderr string) {
	t.Helper()
	trainer, _ := binaries(t)
	root := t.TempDir()
	c := executor.Contract{
		DataDir:    filepath.Dir(s.data),
		Datasets:   map[string]string{"churn": s.data},
		OutputDir:  filepath.Join(root, "out"),
		ModelDir:   s.modelDir,
		ParamsFile: filepath.Join(root, "params.json"),
		Params:     s.params,
		Model:      "churn",
		Version:    1,
	}
	if err := c.Prepare(); err != nil {
		t.Fatal(err)
	}
	stepName := executor.StepTrain
	if s.modelDir != "" {
		stepName = executor.StepEvaluate
	}
	var errBuf bytes.Buffer
	res, err := local.New(local.Options{}).Run(context.Background(), executor.Task{
		Model: "churn", Version: 1, Step: stepName,
		Command: []string{trainer, s.name},
		Env:     c.Env(), Timeout: time.Minute, Stderr: &errBuf,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c.OutputDir, res, errBuf.String()
}

// snapshot copies a dataset dir somewhere read-only, as apply does.
func snapshot(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "data", "churn")
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	if err := executor.MakeReadOnly(filepath.Dir(dst)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { executor.RemoveReadOnly(filepath.Dir(dst)) })
	return dst
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

var defaultParams = map[string]any{"learning_rate": 0.05, "epochs": 30}

func TestTrainDeterministicAndLearns(t *testing.T) {
	data := snapshot(t, "data/churn")
	out1, res1, stderr1 := runStep(t, step{name: "train", data: data, params: defaultParams})
	out2, res2, _ := runStep(t, step{name: "train", data: data, params: defaultParams})
	if res1.Status != state.StatusSucceeded || res2.Status != state.StatusSucceeded {
		t.Fatalf("train: %+v %+v\n%s", res1, res2, stderr1)
	}
	for _, f := range []string{"model.json", "metrics.json"} {
		if a, b := readFile(t, filepath.Join(out1, f)), readFile(t, filepath.Join(out2, f)); !bytes.Equal(a, b) {
			t.Errorf("%s differs between two trains on the same data and params:\n%s\n%s", f, a, b)
		}
	}
	m, err := executor.ReadMetrics(out1)
	if err != nil {
		t.Fatal(err)
	}
	// 29% of the reference customers churn: always answering "stays" scores 0.71.
	if m["accuracy"] < 0.75 || m["auc"] < 0.8 || m["logloss"] > 0.5 {
		t.Errorf("metrics %v: the trainer did not learn the generator's logistic model", m)
	}

	// Changed params change the model.
	out3, _, _ := runStep(t, step{name: "train", data: data, params: map[string]any{"learning_rate": 0.3, "epochs": 5}})
	if bytes.Equal(readFile(t, filepath.Join(out1, "model.json")), readFile(t, filepath.Join(out3, "model.json"))) {
		t.Error("different params gave the same model.json")
	}

	// Evaluate scores current data with the recorded model: on the same data
	// it agrees with training, on drifted data accuracy falls.
	evalOut, res, stderr := runStep(t, step{name: "evaluate", data: data, modelDir: out1})
	if res.Status != state.StatusSucceeded {
		t.Fatalf("evaluate: %+v\n%s", res, stderr)
	}
	same, err := executor.ReadMetrics(evalOut)
	if err != nil {
		t.Fatal(err)
	}
	if d := same["accuracy"] - m["accuracy"]; d > 0.03 || d < -0.03 {
		t.Errorf("evaluate on the training data: accuracy %v, training validation %v", same["accuracy"], m["accuracy"])
	}
	if _, err := os.Stat(filepath.Join(evalOut, "model.json")); err == nil {
		t.Error("evaluate wrote a model.json")
	}
	_, gendata := binaries(t)
	drifted := filepath.Join(t.TempDir(), "drifted")
	if out, err := exec.Command(gendata, "-out", drifted, "-rows", "2000", "-seed", "2", "-drift", "1.5").CombinedOutput(); err != nil {
		t.Fatalf("gendata: %v\n%s", err, out)
	}
	evalDrift, _, _ := runStep(t, step{name: "evaluate", data: snapshot(t, drifted), modelDir: out1})
	shifted, err := executor.ReadMetrics(evalDrift)
	if err != nil {
		t.Fatal(err)
	}
	if !(shifted["logloss"] > same["logloss"]) {
		t.Errorf("logloss on drifted data %v, on reference data %v: want it worse", shifted["logloss"], same["logloss"])
	}
}

func TestTrainerRejectsBadInput(t *testing.T) {
	goodData := snapshot(t, "data/churn")
	badDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(badDir, "a.csv"), []byte("customer_id,tenure,monthly_charges,contract,churned\nC1,3,50.5,one-year,1\nC2,4,51,one-year,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	noColumn := t.TempDir()
	if err := os.WriteFile(filepath.Join(noColumn, "a.csv"), []byte("customer_id,tenure\nC1,3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	brokenModel := t.TempDir()
	if err := os.WriteFile(filepath.Join(brokenModel, "model.json"), []byte(`{"weights":[1]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		s       step
		wantErr string
	}{
		{"unknown param", step{name: "train", data: goodData, params: map[string]any{"learning_rte": 0.1}}, `unknown param "learning_rte"`},
		{"bad epochs", step{name: "train", data: goodData, params: map[string]any{"epochs": 0}}, "param epochs = 0"},
		{"bad label", step{name: "train", data: badDir, params: nil}, `a.csv:3: churned "2" is not 0 or 1`},
		{"missing column", step{name: "train", data: noColumn, params: nil}, `missing column "monthly_charges"`},
		{"no data", step{name: "train", data: t.TempDir(), params: nil}, "no rows in any *.csv"},
		{"broken model", step{name: "evaluate", data: goodData, modelDir: brokenModel}, "want 4 weights"},
		{"unknown subcommand", step{name: "predict", data: goodData}, "usage: churn-trainer train|evaluate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, res, stderr := runStep(t, tt.s)
			if res.Status != state.StatusFailed || res.ExitCode != 1 {
				t.Errorf("status %s exit %d, want failed with exit 1", res.Status, res.ExitCode)
			}
			if !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("stderr %q does not say %q", stderr, tt.wantErr)
			}
			if _, err := os.Stat(filepath.Join(out, "metrics.json")); err == nil {
				t.Error("a failed step wrote metrics.json")
			}
		})
	}
}

func TestMetricsAreFlatNumbers(t *testing.T) {
	out, _, _ := runStep(t, step{name: "train", data: snapshot(t, "data/churn"), params: defaultParams})
	var raw map[string]any
	if err := json.Unmarshal(readFile(t, filepath.Join(out, "metrics.json")), &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"accuracy", "auc", "logloss", "rows"} {
		if _, ok := raw[k].(float64); !ok {
			t.Errorf("metrics.json %s = %v, want a number", k, raw[k])
		}
	}
}

// The example's configuration loads without a diagnostic and declares what
// the README and the demo rely on.
func TestConfigLoads(t *testing.T) {
	cfg, diags := config.Load(".", config.LoadOptions{Getenv: func(string) string { return "" }})
	if diags.HasErrors() || len(diags) > 0 {
		t.Fatalf("examples/churn/main.mlf.hcl: %s", diags.Error())
	}
	m := cfg.Models["churn"]
	if m == nil || m.Evaluate == nil {
		t.Fatalf("model churn with an evaluate step: %+v", m)
	}
	wantTrain := []string{"go", "-C", "trainer", "run", ".", "train"}
	if strings.Join(m.Train.Command, " ") != strings.Join(wantTrain, " ") {
		t.Errorf("train command %q, want %q (README.md documents it)", m.Train.Command, wantTrain)
	}
	if ds := cfg.Datasets["churn"]; ds == nil || ds.Source != "data/churn" || ds.Stats == nil {
		t.Errorf("dataset churn: %+v", ds)
	}
	if p := cfg.Promotions["churn_production"]; p == nil || p.Publish == nil || p.MustBeat == nil || len(p.Gates) != 1 {
		t.Errorf("promotion churn_production: %+v", p)
	}
	if rp := cfg.RetrainPolicies["churn"]; rp == nil || rp.Drift == nil || len(rp.Metrics) != 1 {
		t.Errorf("retrain_policy churn: %+v", rp)
	}
	// The params the trainer accepts are exactly the declared ones.
	for k := range m.Train.Params {
		if k != "learning_rate" && k != "epochs" {
			t.Errorf("param %q is not one the trainer accepts", k)
		}
	}
}

// The trainer is its own module, out of reach of `go test ./...` from the
// repository root: run its unit tests and vet from here.
func TestTrainerModule(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatalf("the go tool is needed: %v", err)
	}
	for _, args := range [][]string{{"vet", "."}, {"test", "-count=1", "."}} {
		cmd := exec.Command("go", args...)
		cmd.Dir = "trainer"
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("go %s in examples/churn/trainer: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}
