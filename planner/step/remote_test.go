package step

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlform/mlform/internal/procid"
	"github.com/mlform/mlform/internal/tempdir"
	"github.com/mlform/mlform/internal/testtree"
	"github.com/mlform/mlform/internal/wanterr"
	"github.com/mlform/mlform/internal/wanttext"
	"github.com/mlform/mlform/internal/whoami"
	"github.com/mlform/mlform/planner/codehash"
	"github.com/mlform/mlform/providers/executor/remote"
	"github.com/mlform/mlform/providers/storage"
	"github.com/mlform/mlform/providers/storage/manifest"
	"github.com/mlform/mlform/state"
)

// remoteWorld is a store holding what apply stores before submitting a
// remote step: a snapshot, a code archive, the params and the spec.
type remoteWorld struct {
	url   string
	store *storage.Store
	spec  *remote.Spec
	env   map[string]string
}

func newRemoteWorld(t *testing.T, trainSh string) *remoteWorld {
	t.Helper()
	t.Setenv("TMPDIR", t.TempDir())
	ctx := context.Background()
	w := &remoteWorld{url: "file://" + filepath.ToSlash(t.TempDir())}
	var err error
	if w.store, err = storage.Open(ctx, w.url, storage.Options{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.store.Close() })
	data := testtree.Temp(t, map[string]string{"a.csv": "x\n1\n2\n"})
	ws := testtree.Temp(t, map[string]string{"train.sh": trainSh})
	snap, err := PutTree(ctx, w.store, data, manifest.KindSnapshot)
	if err != nil {
		t.Fatal(err)
	}
	hash, _, err := codehash.CodeHashCached(ws, []string{"train.sh"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	code, err := ArchiveCode(ctx, w.store, ws, []string{"train.sh"}, hash)
	if err != nil {
		t.Fatal(err)
	}
	params, err := w.store.PutObject(ctx, []byte(`{"lr":0.05}`))
	if err != nil {
		t.Fatal(err)
	}
	w.spec = &remote.Spec{Model: "m", Version: 3, Step: "train", Command: []string{"sh", "train.sh"},
		Datasets: map[string]remote.Input{"d": {Store: "default", ID: snap}}, Code: &remote.Input{Store: "default", ID: code},
		Params: params, Env: []string{"TOKEN"}, Store: "default", Nonce: "n1"}
	w.env = map[string]string{remote.EnvStores: `{"default":"` + w.url + `"}`, "TOKEN": "hunter2", remote.EnvRedact: `["hunter2"]`}
	return w
}

func (w *remoteWorld) run(t *testing.T) (*remote.Result, string, error) {
	t.Helper()
	ctx := context.Background()
	b, err := remote.EncodeSpec(w.spec)
	if err != nil {
		t.Fatal(err)
	}
	id, err := w.store.PutObject(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	res, err := RunRemote(ctx, "default", id, RemoteOptions{Getenv: func(k string) string { return w.env[k] },
		Stdout: &out, Stderr: &out, Now: time.Now()})
	return res, id, err
}

func TestRunRemoteStep(t *testing.T) {
	w := newRemoteWorld(t, `echo "cwd has $(ls)"; echo "token $TOKEN"
cp "$MLFORM_DATASET_D_DIR/a.csv" "$MLFORM_OUTPUT_DIR/model.txt"
echo "{\"accuracy\": $MLFORM_PARAM_LR}" > "$MLFORM_OUTPUT_DIR/metrics.json"
`)
	res, specID, err := w.run(t)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != state.StatusSucceeded || res.ArtifactsID == "" || res.LogsID == "" {
		t.Fatalf("result %+v", res)
	}
	// The controller's half reads the same result through a fresh index.
	ctx := context.Background()
	ctl, err := storage.Open(ctx, w.url, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ctl.Close()
	rr, err := ReadResult(ctx, ctl, specID)
	if err != nil || rr.ArtifactsID != res.ArtifactsID {
		t.Fatalf("ReadResult = %+v, %v", rr, err)
	}
	m, err := StoredMetrics(ctx, ctl, rr.ArtifactsID, nil, true)
	if err != nil || m["accuracy"] != 0.05 {
		t.Fatalf("metrics = %v, %v", m, err)
	}
	logs := readManifestText(t, ctl, rr.LogsID)
	if !strings.Contains(logs, "cwd has train.sh") || strings.Contains(logs, "hunter2") || !strings.Contains(logs, "token (sensitive value)") {
		t.Fatalf("logs: %q", logs)
	}
	if _, err := ctl.GetRoot(ctx, remote.ResultRoot(specID)); err != nil {
		t.Fatalf("step root: %v", err)
	}
	root, _ := tempdir.Root()
	if left, _ := filepath.Glob(filepath.Join(root, "*step-m-v3*")); len(left) > 0 {
		t.Fatalf("temporary directories left: %v", left)
	}
}

// TestRunRemoteSweeps: a runner killed outright left its temporary
// directory (read-only data, outputs) on the node; the next runner on that
// host removes it, since no apply sweeps a cluster node. A live process's
// directory stays.
func TestRunRemoteSweeps(t *testing.T) {
	w := newRemoteWorld(t, `echo '{"accuracy": 1}' > "$MLFORM_OUTPUT_DIR/metrics.json"`)
	root, err := tempdir.Root()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	killed := filepath.Join(root, procid.ID{Host: whoami.Host(), PID: cmd.Process.Pid, Start: 1}.Token()+"-1.step-m-v2-train")
	live, err := tempdir.New("step-m-v9-train", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(killed, "data", "d"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(killed, "data", "d", "a.csv"), []byte("x\n"), 0o444); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(killed, "data", "d"), 0o555); err != nil {
		t.Fatal(err)
	}
	if res, _, err := w.run(t); err != nil || res.Status != state.StatusSucceeded {
		t.Fatalf("result %+v, %v", res, err)
	}
	if _, err := os.Stat(killed); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the killed runner's directory is still there: %v", err)
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("a live process's directory was removed: %v", err)
	}
}

func TestRunRemoteStepFailures(t *testing.T) {
	tests := []struct {
		name    string
		train   string
		change  func(*remoteWorld)
		status  string
		wantErr string // in the result's error
		noRes   string // RunRemote's error: no result written
	}{
		{"command fails", "exit 3\n", nil, state.StatusFailed, "", ""},
		{"bad metrics", "echo '{\"a\": \"x\"}' > \"$MLFORM_OUTPUT_DIR/metrics.json\"\n", nil, state.StatusFailed, "metrics.json", ""},
		{"reserved output", "echo '{}' > \"$MLFORM_OUTPUT_DIR/metrics.json\"; echo > \"$MLFORM_OUTPUT_DIR/mlform-manifest.json\"\n", nil, state.StatusFailed, "reserved output name", ""},
		{"env not passed", "true\n", func(w *remoteWorld) { delete(w.env, "TOKEN") }, state.StatusFailed, "TOKEN (the environment block's env) did not reach the job", ""},
		{"unknown snapshot", "true\n", func(w *remoteWorld) {
			w.spec.Datasets["d"] = remote.Input{Store: "default", ID: strings.Repeat("ab", 32)}
		}, state.StatusFailed, "fetch dataset.d snapshot", ""},
		{"store without URL", "true\n", func(w *remoteWorld) {
			w.spec.Datasets["d"] = remote.Input{Store: "other", ID: w.spec.Datasets["d"].ID}
		}, state.StatusFailed, `store "other": no URL`, ""},
		{"no stores", "true\n", func(w *remoteWorld) { delete(w.env, remote.EnvStores) }, "", "", "MLFORM_STEP_STORES is not set"},
		// The error quotes the command's first word: a result is still
		// written when that is long multi-byte text (cut at 4000 bytes, not
		// inside a character) or holds a control character.
		{"long multi-byte command", "true\n", func(w *remoteWorld) {
			w.spec.Command = []string{"./" + strings.Repeat("é", 3000)}
		}, state.StatusFailed, "command could not start", ""},
		{"control character in command", "true\n", func(w *remoteWorld) {
			w.spec.Command = []string{"./a\x1b[31mred"}
		}, state.StatusFailed, `a\x1b[31mred`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newRemoteWorld(t, tt.train)
			if tt.change != nil {
				tt.change(w)
			}
			res, _, err := w.run(t)
			if wanterr.Check(t, err, tt.noRes) {
				return
			}
			if res.Status != tt.status || !strings.Contains(res.Error, tt.wantErr) || res.ArtifactsID != "" {
				t.Fatalf("result %+v, want %s with %q", res, tt.status, tt.wantErr)
			}
		})
	}
}

func readManifestText(t *testing.T, s *storage.Store, id string) string {
	t.Helper()
	dir := t.TempDir()
	if err := s.Materialize(context.Background(), id, dir); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, n := range []string{"stdout.log", "stderr.log"} {
		data, _ := os.ReadFile(filepath.Join(dir, n))
		b.Write(data)
	}
	return b.String()
}

// TestReadResultNone: a step whose runner stored nothing (a job the cluster
// never started) reads as storage.ErrNotFound, in words about the step,
// not about the store root the result would have been found through.
func TestReadResultNone(t *testing.T) {
	w := newRemoteWorld(t, "true")
	_, err := ReadResult(context.Background(), w.store, strings.Repeat("ab", 32))
	if !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("ReadResult of a spec never run: %v, want storage.ErrNotFound", err)
	}
	wanttext.Check(t, err.Error(), []string{"stored no step result", "never started"}, []string{"root", "workspace"})
}
