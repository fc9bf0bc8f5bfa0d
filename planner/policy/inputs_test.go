package policy

import (
	"encoding/json"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/mlform/mlform/internal/testtree"
	"github.com/mlform/mlform/internal/wanterr"
	"github.com/mlform/mlform/state"
)

func TestEnvFingerprint(t *testing.T) {
	dir := testtree.Temp(t, map[string]string{"trainer/go.sum": "v1", "trainer/go.mod": "m"})
	base := func() Environment {
		return Environment{Files: []string{"trainer/go.sum"}, Env: map[string]string{"A": "1", "B": "2"}, Executor: "local"}
	}
	fp0, err := EnvFingerprint(dir, base())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		change func(e *Environment)
		same   bool
	}{
		{"unchanged", func(*Environment) {}, true},
		{"env value", func(e *Environment) { e.Env["A"] = "2" }, false},
		{"env key moved into value", func(e *Environment) { delete(e.Env, "B"); e.Env["A"] = "1\nB\x002" }, false},
		{"env added", func(e *Environment) { e.Env["C"] = "" }, false},
		{"image", func(e *Environment) { e.Image = "golang:1.26" }, false},
		{"executor", func(e *Environment) { e.Executor = "slurm" }, false},
		{"more files", func(e *Environment) { e.Files = append(e.Files, "trainer/go.mod") }, false},
		{"name and recorded are not part of it", func(e *Environment) { e.Name, e.Recorded = "other", []string{fp0} }, true},
		{"a hidden value", func(e *Environment) { e.Hidden = NewHider().HiddenEnv(e.Env, []string{"2"}) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := base()
			tt.change(&e)
			fp, err := EnvFingerprint(dir, e)
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
	if _, err := EnvFingerprint(dir, Environment{Files: []string{"trainer/poetry.lock"}, Executor: "local"}); err == nil ||
		!strings.Contains(err.Error(), `environment files: glob "trainer/poetry.lock" matches no file`) {
		t.Fatalf("missing lock file: err = %v", err)
	}
}

// A sensitive env value enters the fingerprint only through HideValue: the
// fingerprint cannot be recomputed from a guess with fast hashes, a
// changed secret still changes it, and a fingerprint recorded before
// values were hidden still matches an unchanged environment.
func TestEnvFingerprintHidesSensitiveValues(t *testing.T) {
	dir := testtree.Temp(t, map[string]string{"trainer/go.sum": "v1"})
	env := func(token string) Environment {
		e := Environment{Executor: "local", Files: []string{"trainer/go.sum"}, Env: map[string]string{"TOKEN": token, "MODE": "fast"}}
		e.Hidden = NewHider().HiddenEnv(e.Env, []string{token})
		return e
	}
	fp := func(e Environment) string {
		t.Helper()
		in, err := BuildInputs(InputsSpec{BaseDir: dir, Environment: e})
		if err != nil {
			t.Fatal(err)
		}
		return in.EnvFingerprint
	}
	hidden := env("hunter2")
	if len(hidden.Hidden) != 1 || hidden.Hidden["TOKEN"] == "" || strings.Contains(hidden.Hidden["TOKEN"], "hunter2") {
		t.Fatalf("Hidden = %v, want TOKEN only, hashed", hidden.Hidden)
	}
	plain := hidden
	plain.Hidden = nil
	old, now := fp(plain), fp(hidden)
	if old == now {
		t.Fatal("a hidden value is fingerprinted as the value itself: a guess is confirmed by one fast hash")
	}
	if fp(env("hunter2")) != now {
		t.Fatal("the fingerprint of a hidden value is not deterministic")
	}
	if fp(env("hunter3")) == now {
		t.Fatal("a changed secret leaves the fingerprint unchanged")
	}
	tests := []struct {
		name     string
		recorded []string
		want     string
	}{
		{"nothing recorded", nil, now},
		{"recorded before values were hidden", []string{"x", old}, old},
		{"recorded hidden", []string{now}, now},
		{"recorded for another secret", []string{fp(plainOf(env("hunter3")))}, now},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := env("hunter2")
			e.Recorded = tt.recorded
			if got := fp(e); got != tt.want {
				t.Fatalf("fingerprint = %s, want %s", got, tt.want)
			}
		})
	}
}

// plainOf is e as fingerprinted before sensitive values were hidden.
func plainOf(e Environment) Environment {
	e.Hidden = nil
	return e
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

// A fleet's environments, one per module instance, all given the same
// secret, cost one Argon2id hash, not one each: 1,000 regions took two
// minutes to plan.
func TestHideValueOncePerNameAndValue(t *testing.T) {
	var calls atomic.Int32
	h := &Hider{hash: func(name, value string) string { calls.Add(1); return HideValue(name, value) }}
	var wg sync.WaitGroup
	got := make([]map[string]string, 50)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i] = h.HiddenEnv(map[string]string{"TOKEN": "fleet-token-1", "MODE": "fast"}, []string{"fleet-token-1"})
		}()
	}
	wg.Wait()
	for _, e := range got {
		if e["TOKEN"] != got[0]["TOKEN"] || e["TOKEN"] == "" || len(e) != 1 {
			t.Fatalf("HiddenEnv = %v, want TOKEN hidden as %s", e, got[0]["TOKEN"])
		}
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("50 environments with one secret hashed it %d times, want once", n)
	}
	other := h.HiddenEnv(map[string]string{"KEY": "fleet-token-1"}, []string{"fleet-token-1"})
	if calls.Load() != 2 || other["KEY"] == got[0]["TOKEN"] {
		t.Fatalf("another name is salted apart: calls %d, %v", calls.Load(), other)
	}
}
