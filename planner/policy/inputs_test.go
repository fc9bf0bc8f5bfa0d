package policy

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/mlform/mlform/internal/testtree"
	"github.com/mlform/mlform/internal/wanterr"
	"github.com/mlform/mlform/state"
)

func TestEnvFingerprint(t *testing.T) {
	dir := testtree.Temp(t, map[string]string{"trainer/go.sum": "v1", "trainer/go.mod": "m"})
	base := func() (files []string, env map[string]string, image, executor string) {
		return []string{"trainer/go.sum"}, map[string]string{"A": "1", "B": "2"}, "", "local"
	}
	files, env, image, exec := base()
	fp0, err := EnvFingerprint(dir, files, env, image, exec)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		change func(files *[]string, env map[string]string, image, exec *string)
		same   bool
	}{
		{"unchanged", func(*[]string, map[string]string, *string, *string) {}, true},
		{"env value", func(_ *[]string, e map[string]string, _, _ *string) { e["A"] = "2" }, false},
		{"env key moved into value", func(_ *[]string, e map[string]string, _, _ *string) { delete(e, "B"); e["A"] = "1\nB\x002" }, false},
		{"env added", func(_ *[]string, e map[string]string, _, _ *string) { e["C"] = "" }, false},
		{"image", func(_ *[]string, _ map[string]string, i, _ *string) { *i = "golang:1.26" }, false},
		{"executor", func(_ *[]string, _ map[string]string, _, x *string) { *x = "slurm" }, false},
		{"more files", func(f *[]string, _ map[string]string, _, _ *string) { *f = append(*f, "trainer/go.mod") }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, e, i, x := base()
			tt.change(&f, e, &i, &x)
			fp, err := EnvFingerprint(dir, f, e, i, x)
			if err != nil {
				t.Fatal(err)
			}
			if (fp == fp0) != tt.same {
				t.Fatalf("fingerprint equal = %v, want %v", fp == fp0, tt.same)
			}
			if len(fp) != 64 {
				t.Fatalf("fingerprint %q is not a hex digest", fp)
			}
		})
	}
	if _, err := EnvFingerprint(dir, []string{"trainer/poetry.lock"}, nil, "", "local"); err == nil ||
		!strings.Contains(err.Error(), `environment files: glob "trainer/poetry.lock" matches no file`) {
		t.Fatalf("missing lock file: err = %v", err)
	}
}

func TestBuildInputsStableAcrossStateRoundTrip(t *testing.T) {
	dir := testtree.Temp(t, map[string]string{"trainer/main.go": "package main", "trainer/go.sum": "sum"})
	spec := InputsSpec{
		BaseDir:     dir,
		Snapshots:   map[string]string{"churn": "aa11", "extra": "bb22"},
		Code:        []string{"trainer/**"},
		Params:      map[string]any{"learning_rate": mustBigFloat("0.05"), "epochs": 30},
		Environment: Environment{Name: "trainer", Executor: "local", Files: []string{"trainer/go.sum"}, Env: map[string]string{"GOFLAGS": "-mod=readonly"}},
		Command:     []string{"./bin/trainer", "train"},
	}
	in, err := BuildInputs(spec)
	if err != nil {
		t.Fatal(err)
	}
	if in.CodeFiles != 2 || in.Digest == "" || in.Environment != "trainer" {
		t.Fatalf("inputs = %+v", in)
	}
	b, _ := json.Marshal(in)
	var back state.Inputs
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	d, err := InputsDigest(back)
	if err != nil || d != in.Digest {
		t.Fatalf("digest after round trip = %s (%v), want %s", d, err, in.Digest)
	}
	if cs := DiffInputs(back, in); len(cs) != 0 {
		t.Fatalf("diff after round trip: %+v", cs)
	}
	// Every input moves the digest; the descriptive fields do not.
	mutations := []struct {
		name   string
		mutate func(*state.Inputs)
		same   bool
	}{
		{"snapshot", func(i *state.Inputs) { i.Snapshots["churn"] = "cc33" }, false},
		{"dataset renamed", func(i *state.Inputs) { i.Snapshots["churn2"] = i.Snapshots["churn"]; delete(i.Snapshots, "churn") }, false},
		{"code", func(i *state.Inputs) { i.CodeHash = "x" }, false},
		{"param", func(i *state.Inputs) { i.Params["epochs"] = 31.0 }, false},
		{"param type same value", func(i *state.Inputs) { i.Params["epochs"] = 30 }, true},
		{"env fingerprint", func(i *state.Inputs) { i.EnvFingerprint = "y" }, false},
		{"command", func(i *state.Inputs) { i.Command = []string{"./bin/trainer", "train", "--fast"} }, false},
		{"command split differently", func(i *state.Inputs) { i.Command = []string{"./bin/trainer train"} }, false},
		{"environment name", func(i *state.Inputs) { i.Environment = "renamed" }, true},
		{"code files", func(i *state.Inputs) { i.CodeFiles = 99 }, true},
		{"stored digest", func(i *state.Inputs) { i.Digest = "bogus" }, true},
	}
	for _, m := range mutations {
		t.Run(m.name, func(t *testing.T) {
			var c state.Inputs
			json.Unmarshal(b, &c)
			m.mutate(&c)
			d, err := InputsDigest(c)
			if err != nil {
				t.Fatal(err)
			}
			if (d == in.Digest) != m.same {
				t.Fatalf("digest equal = %v, want %v", d == in.Digest, m.same)
			}
		})
	}
}

func TestBuildInputsErrors(t *testing.T) {
	dir := testtree.Temp(t, map[string]string{"trainer/main.go": "x"})
	tests := []struct {
		name string
		spec InputsSpec
		want string
	}{
		{"code glob", InputsSpec{BaseDir: dir, Code: []string{"src/**"}}, `code: glob "src/**" matches no file`},
		{"params", InputsSpec{BaseDir: dir, Params: map[string]any{"x": []any{func() {}}}}, "params.x[0]: unsupported"},
		{"env file", InputsSpec{BaseDir: dir, Environment: Environment{Name: "gpu", Files: []string{"../lock"}}}, "environment gpu: environment files: glob \"../lock\": must not leave"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := BuildInputs(tt.spec)
			wanterr.Check(t, err, tt.want)
		})
	}
}

func TestDiffInputs(t *testing.T) {
	prev := state.Inputs{
		Snapshots: map[string]string{"churn": "19bc0000000000ff", "gone": "aaaa"},
		CodeHash:  "c1", CodeFiles: 3,
		Params:         map[string]any{"learning_rate": 0.05, "epochs": 30.0, "dropped": "x"},
		EnvFingerprint: "e1",
		Command:        []string{"train"},
	}
	cur := state.Inputs{
		Snapshots: map[string]string{"churn": "", "new": "bbbb"},
		CodeHash:  "c2", CodeFiles: 4,
		Params:         map[string]any{"learning_rate": 0.08, "epochs": 30, "added": []any{1.0}},
		EnvFingerprint: "e2",
		Command:        []string{"train", "--fast"},
	}
	got := DiffInputs(prev, cur)
	want := []string{
		"data dataset.churn: dataset.churn 19bc00000000 -> new snapshot",
		"data dataset.gone: dataset.gone removed (was aaaa)",
		"data dataset.new: dataset.new added (bbbb)",
		"code code: code changed (4 files, c1 -> c2)",
		`code command: command: ["train"] -> ["train","--fast"]`,
		"params params.added: params.added: (none) -> [1]",
		"params params.dropped: params.dropped: \"x\" -> (removed)",
		"params params.learning_rate: params.learning_rate: 0.05 -> 0.08",
		"environment environment: environment changed (e1 -> e2)",
	}
	if len(got) != len(want) {
		t.Fatalf("got %d changes, want %d: %+v", len(got), len(want), got)
	}
	for i, c := range got {
		if s := c.Kind + " " + c.Path + ": " + c.Message; s != want[i] {
			t.Errorf("change %d:\n got %s\nwant %s", i, s, want[i])
		}
	}
	if cs := DiffInputs(prev, prev); len(cs) != 0 {
		t.Fatalf("no change expected, got %+v", cs)
	}
}
