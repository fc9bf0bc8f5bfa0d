package remote

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mlform/mlform/internal/roundtrip"
)

const id1 = "1111111111111111111111111111111111111111111111111111111111111111"
const id2 = "2222222222222222222222222222222222222222222222222222222222222222"

func goodSpec() *Spec {
	return &Spec{Model: "churn", Version: 3, Step: "train", Command: []string{"sh", "train.sh"},
		Datasets: map[string]Input{"d": {Store: "default", ID: id1}}, Code: &Input{Store: "default", ID: id2},
		Params: id1, Env: []string{"TOKEN", "A"}, Store: "default", Nonce: "abc-123"}
}

// encodeDecode encodes s and decodes the result, as a spec travels to the
// job, failing t when either step fails.
func encodeDecode(t *testing.T, s *Spec) *Spec {
	t.Helper()
	b, err := EncodeSpec(s)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeSpec(b)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestSpecRoundTrip(t *testing.T) {
	s := encodeDecode(t, goodSpec())
	if s.Model != "churn" || s.Code.ID != id2 || strings.Join(s.Env, ",") != "A,TOKEN" {
		t.Fatalf("decoded %+v", s)
	}
}

// TestSpecInstanceNames: a model, dataset or store of a for_each or count
// instance, or inside a module, is named as state names it
// (`churn["eu"]`, `module.region["eu"].churn`); its steps run through the
// protocol like any other's (such specs were refused, so no model of a
// fleet could train on a batch executor).
func TestSpecInstanceNames(t *testing.T) {
	s := goodSpec()
	s.Model = `module.region["eu"].churn[0]`
	s.Datasets = map[string]Input{`sales["eu"]`: {Store: "default", ID: id1},
		`module.region["eu"].local`: {Store: `module.region["eu"].archive`, ID: id2}}
	s.Store = `archive["x"]`
	s.Code.Store = `archive["x"]`
	got := encodeDecode(t, s)
	if got.Model != s.Model || got.Datasets[`module.region["eu"].local`].Store != `module.region["eu"].archive` || got.Store != s.Store {
		t.Fatalf("decoded %+v", got)
	}
}

func TestSpecRefused(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Spec)
		want   string
	}{
		{"empty command", func(s *Spec) { s.Command = nil }, "command is empty"},
		{"bad model", func(s *Spec) { s.Model = "../x" }, `model "../x" is not a name`},
		{"path in dataset name", func(s *Spec) { s.Datasets = map[string]Input{"../etc": {Store: "default", ID: id1}} }, "dataset name"},
		{"path in instance key", func(s *Spec) { s.Model = `churn["../x"]` }, "is not a name"},
		{"path in module name", func(s *Spec) { s.Datasets = map[string]Input{`module.a/b.d`: {Store: "default", ID: id1}} }, "dataset name"},
		{"path in store", func(s *Spec) { s.Code = &Input{Store: `s["a/b"]`, ID: id2} }, "code: store"},
		{"bad snapshot id", func(s *Spec) { s.Datasets = map[string]Input{"d": {Store: "default", ID: "../../x"}} }, "is not a content id"},
		{"code id", func(s *Spec) { s.Code = &Input{Store: "default", ID: "abc"} }, "code: id"},
		{"contract env", func(s *Spec) { s.Env = []string{"MLFORM_OUTPUT_DIR"} }, "belong to the training contract"},
		{"env with =", func(s *Spec) { s.Env = []string{"A=B"} }, "not valid"},
		{"evaluate without model", func(s *Spec) { s.Step = "evaluate" }, "model artifacts"},
		{"negative timeout", func(s *Spec) { s.Timeout = -time.Second }, "negative"},
		{"NUL in arg", func(s *Spec) { s.Command = []string{"sh", "a\x00b"} }, "NUL"},
		{"nonce", func(s *Spec) { s.Nonce = "a/b" }, "nonce"},
		{"store", func(s *Spec) { s.Store = "" }, "store"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := goodSpec()
			tt.change(s)
			_, err := EncodeSpec(s)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestDecodeSpecRefused(t *testing.T) {
	good, _ := EncodeSpec(goodSpec())
	tests := []struct{ name, doc, want string }{
		{"not json", "{", "not valid JSON"},
		{"unknown field", strings.Replace(string(good), `"kind"`, `"extra":1,"kind"`, 1), "unknown field"},
		{"other kind", strings.Replace(string(good), specKind, "mlform-store-root", 1), "not an mlform step spec"},
		{"other format", strings.Replace(string(good), `"format":1`, `"format":2`, 1), "format 2 is not supported"},
		{"trailing data", string(good) + "{}", "data after"},
		{"too big", strings.Repeat(" ", MaxObjectSize+1), "more than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeSpec([]byte(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestResult(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	good := Result{SpecID: id1, Status: "succeeded", StartedAt: now, EndedAt: now.Add(time.Second), Host: "node-1", ArtifactsID: id2, LogsID: id1}
	tests := []struct {
		name   string
		change func(*Result)
		want   string
	}{
		{"ok", func(*Result) {}, ""},
		{"failed without artifacts", func(r *Result) { r.Status, r.ExitCode, r.ArtifactsID = "failed", 1, "" }, ""},
		{"unknown status", func(r *Result) { r.Status = "running" }, "status"},
		{"succeeded without artifacts", func(r *Result) { r.ArtifactsID = "" }, "succeeded step has artifacts"},
		{"bad id", func(r *Result) { r.LogsID = "../x" }, "logs_id"},
		{"control in error", func(r *Result) { r.Status, r.Error = "failed", "\x1b[31m" }, "control"},
		{"time travel", func(r *Result) { r.EndedAt = now.Add(-time.Hour) }, "ended before"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := good
			tt.change(&r)
			b, err := EncodeResult(&r)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				back, err := DecodeResult(b)
				if err != nil || back.Status != r.Status || back.ArtifactsID != r.ArtifactsID {
					t.Fatalf("round trip: %+v, %v", back, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestJob(t *testing.T) {
	env := map[string]string{"AWS_SECRET_ACCESS_KEY": "s3cr3t", "HOME": "/home/x"}
	argv, jobEnv, err := Job(JobSpec{Binary: "/opt/mlform", SpecID: id1, SpecStore: "default",
		Stores: map[string]string{"default": "s3://b/store"}, Env: map[string]string{"TOKEN": "t"},
		Redact: []string{"t"}, Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(argv, " "); got != "/opt/mlform step run default "+id1 {
		t.Fatalf("argv = %s", got)
	}
	for _, a := range argv {
		if strings.Contains(a, "s3cr3t") || strings.Contains(a, "s3://") {
			t.Fatalf("secret or URL on the command line: %v", argv)
		}
	}
	if jobEnv["AWS_SECRET_ACCESS_KEY"] != "s3cr3t" || jobEnv["TOKEN"] != "t" || jobEnv["HOME"] != "" {
		t.Fatalf("env = %v", jobEnv)
	}
	stores, err := ParseStores(jobEnv[EnvStores])
	if err != nil || stores["default"] != "s3://b/store" {
		t.Fatalf("stores = %v, %v", stores, err)
	}
	if red, _ := ParseRedact(jobEnv[EnvRedact]); len(red) != 1 || red[0] != "t" {
		t.Fatalf("redact = %v", red)
	}
	if _, _, err := Job(JobSpec{Binary: "mlform", SpecStore: "default", Stores: map[string]string{"default": "x"}}); err == nil {
		t.Fatal("relative binary accepted")
	}
}

func FuzzDecodeSpec(f *testing.F) {
	good, _ := EncodeSpec(goodSpec())
	f.Add(good)
	f.Add([]byte(`{"kind":"mlform-step-spec","format":1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		roundtrip.Check(t, "spec", b, DecodeSpec, EncodeSpec)
	})
}

func FuzzDecodeResult(f *testing.F) {
	r := Result{SpecID: id1, Status: "failed", ExitCode: 2, Host: "n", LogsID: id2}
	good, _ := EncodeResult(&r)
	f.Add(good)
	f.Fuzz(func(t *testing.T, b []byte) {
		roundtrip.Check(t, "result", b, DecodeResult, EncodeResult)
	})
}

func TestSchedulerEnv(t *testing.T) {
	got := SchedulerEnv([]string{"SLURM_JOB_ID=12", "CUDA_VISIBLE_DEVICES=0,1", "AWS_SECRET_ACCESS_KEY=x",
		"MLFORM_STEP_STORES={}", "PATH=/bin", "SLURM_=", "bad name=1"})
	if len(got) != 3 || got["SLURM_JOB_ID"] != "12" || got["CUDA_VISIBLE_DEVICES"] != "0,1" {
		t.Fatalf("SchedulerEnv = %v", got)
	}
}

// TestPassEnv: the variables EnvPass names reach the command and their
// values are redacted; the protocol's own and credentials never pass.
func TestPassEnv(t *testing.T) {
	environ := []string{EnvPass + "=DB_PASSWORD, TOKEN,AWS_SECRET_ACCESS_KEY,MLFORM_STEP_STORES,bad name,EMPTY",
		"DB_PASSWORD=hunter2", "TOKEN=t0k", "AWS_SECRET_ACCESS_KEY=x", "MLFORM_STEP_STORES={}", "EMPTY=", "OTHER=o"}
	got := SchedulerEnv(environ)
	want := map[string]string{"DB_PASSWORD": "hunter2", "TOKEN": "t0k", "EMPTY": ""}
	if len(got) != len(want) {
		t.Fatalf("SchedulerEnv = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("SchedulerEnv[%s] = %q, want %q", k, got[k], v)
		}
	}
	vals := PassedValues(environ)
	if len(vals) != 2 || !slices.Contains(vals, "hunter2") || !slices.Contains(vals, "t0k") {
		t.Errorf("PassedValues = %q, want the two non-empty secrets", vals)
	}
	if v := PassedValues([]string{"DB_PASSWORD=x"}); len(v) != 0 {
		t.Errorf("without %s: %q, want nothing", EnvPass, v)
	}
}

// TestInstall: the binary lands executable at an absolute path, directories
// made; a relative destination or a missing source is an error.
func TestInstall(t *testing.T) {
	dir := t.TempDir()
	src := dir + "/src"
	if err := os.WriteFile(src, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dest := dir + "/bin/sub/mlform"
	if err := Install(src, dest); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(dest)
	if err != nil || info.Mode().Perm() != 0o755 || info.Size() != 10 {
		t.Fatalf("installed %v %v, want 0755 and 10 bytes", info, err)
	}
	for _, c := range []struct{ src, dest, want string }{
		{src, "bin/mlform", "want an absolute path"},
		{dir + "/missing", dir + "/x", "no such file"},
		{dir, dir + "/y", "not a regular file"},
	} {
		if err := Install(c.src, c.dest); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Install(%q, %q) = %v, want %q", c.src, c.dest, err, c.want)
		}
	}
}
