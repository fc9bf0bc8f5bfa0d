package executor

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRegistry(t *testing.T) {
	r := NewRegistry()
	if _, err := r.Open("local", nil); err == nil || !strings.Contains(err.Error(), "none are registered") {
		t.Errorf("Open on an empty registry: %v", err)
	}
	r.Register("slurm", func(Settings) (Executor, error) { return nil, errors.New("no sbatch") }, "image")
	r.Register("local", func(Settings) (Executor, error) { return fakeExecutor{}, nil })
	for _, c := range []struct {
		name, setting  string
		known, honours bool
	}{
		{"local", "image", true, false},
		{"slurm", "image", true, true},
		{"slurm", "gpus", true, false},
		{"docker", "image", false, false},
	} {
		if got := r.Known(c.name); got != c.known {
			t.Errorf("Known(%q) = %v, want %v", c.name, got, c.known)
		}
		if got := r.Honours(c.name, c.setting); got != c.honours {
			t.Errorf("Honours(%q, %q) = %v, want %v", c.name, c.setting, got, c.honours)
		}
	}
	tests := []struct {
		name    string
		wantErr string
	}{
		{"local", ""},
		{"lcoal", `unknown executor "lcoal" (known executors: local, slurm)`},
		{"slurm", `executor "slurm": no sbatch`},
	}
	for _, tt := range tests {
		e, err := r.Open(tt.name, nil)
		if tt.wantErr == "" {
			if err != nil || e == nil {
				t.Errorf("Open(%q) = %v, %v", tt.name, e, err)
			}
			continue
		}
		if err == nil || err.Error() != tt.wantErr {
			t.Errorf("Open(%q) error %v, want %q", tt.name, err, tt.wantErr)
		}
	}
	for _, bad := range []func(){
		func() { r.Register("local", func(Settings) (Executor, error) { return nil, nil }) },
		func() { r.Register("", func(Settings) (Executor, error) { return nil, nil }) },
		func() { r.Register("x", nil) },
		func() {
			r.Add("y", Spec{Factory: func(Settings) (Executor, error) { return nil, nil },
				Settings: []Setting{{Name: "a", Type: String}, {Name: "a", Type: Int}}})
		},
		func() {
			r.Add("z", Spec{Factory: func(Settings) (Executor, error) { return nil, nil }, Settings: []Setting{{Name: "a"}}})
		},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("bad Register did not panic")
				}
			}()
			bad()
		}()
	}
}

type fakeExecutor struct{ Executor }

func TestTaskValidate(t *testing.T) {
	ok := Task{Model: "churn", Version: 2, Step: StepEvaluate, Command: []string{"x"}, Env: map[string]string{"A": "1"}}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid task: %v", err)
	}
	bad := Task{Model: "churn", Version: 2, Step: "deploy", Timeout: -time.Second, Grace: -1, Env: map[string]string{"": "x", "A=B": "y"}}
	err := bad.Validate()
	if err == nil {
		t.Fatal("invalid task accepted")
	}
	for _, want := range []string{"deploy task for model.churn v2", "command is empty", `step "deploy"`, "timeout -1s is negative", "grace -1ns is negative", `name "" is not valid`, `name "A=B" is not valid`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestPrefixWriter(t *testing.T) {
	tests := []struct {
		name   string
		writes []string
		want   string
	}{
		{"whole lines", []string{"a\nb\n"}, "model.churn v3: a\nmodel.churn v3: b\n"},
		{"split across writes", []string{"hel", "lo\nwor", "ld\n"}, "model.churn v3: hello\nmodel.churn v3: world\n"},
		{"partial flushed", []string{"no newline"}, "model.churn v3: no newline\n"},
		{"empty lines", []string{"\n\n"}, "model.churn v3: \nmodel.churn v3: \n"},
		{"nothing", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			w := NewPrefixWriter(&buf, LinePrefix("churn", 3))
			for _, s := range tt.writes {
				if n, err := w.Write([]byte(s)); n != len(s) || err != nil {
					t.Fatalf("Write = %d, %v", n, err)
				}
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			if buf.String() != tt.want {
				t.Errorf("got %q, want %q", buf.String(), tt.want)
			}
		})
	}
}

func TestMakeReadOnlyAndRemove(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "snap")
	outside := filepath.Join(root, "outside.txt")
	mustWrite(t, filepath.Join(dir, "a.csv"), 0o644)
	mustWrite(t, filepath.Join(dir, "sub", "b.csv"), 0o600)
	mustWrite(t, filepath.Join(dir, "run.sh"), 0o755)
	mustWrite(t, outside, 0o644)
	if err := os.Symlink(outside, filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	if err := MakeReadOnly(dir); err != nil {
		t.Fatal(err)
	}
	want := map[string]os.FileMode{"": 0o555, "sub": 0o555, "a.csv": 0o444, "sub/b.csv": 0o444, "run.sh": 0o555}
	for rel, mode := range want {
		info, err := os.Stat(filepath.Join(dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != mode {
			t.Errorf("%s: mode %o, want %o", rel, info.Mode().Perm(), mode)
		}
	}
	if info, _ := os.Stat(outside); info.Mode().Perm() != 0o644 {
		t.Errorf("MakeReadOnly followed a symlink out of the tree: %s is %o", outside, info.Mode().Perm())
	}
	if err := RemoveReadOnly(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s still exists: %v", dir, err)
	}
	if _, err := os.Stat(outside); err != nil {
		t.Errorf("RemoveReadOnly removed a symlink target outside the tree: %v", err)
	}
	if err := RemoveReadOnly(dir); err != nil {
		t.Errorf("removing a missing path: %v", err)
	}
}

func mustWrite(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("x"), mode); err != nil {
		t.Fatal(err)
	}
}
