package model

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/mlform/mlform/config"
	"github.com/mlform/mlform/internal/tempdir"
	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/planner/plans"
	"github.com/mlform/mlform/providers/executor"
	"github.com/mlform/mlform/providers/storage"
	"github.com/mlform/mlform/state"
)

// stepRun is one run of a model's train or evaluate command under the
// training contract, in a fresh temporary directory: the snapshots (and,
// for evaluate, the version's artifacts) materialised read-only from the
// store, an empty output directory, the params file, stdout and stderr
// captured to files (and streamed to Log).
type stepRun struct {
	WS      *engine.Workspace
	Spec    *modelSpec
	Step    string // executor.StepTrain or StepEvaluate
	Version int
	// Snapshots maps dataset name to the snapshot materialised for it, and
	// snapshotStores the store holding each.
	Snapshots      map[string]string
	snapshotStores map[string]string
	// ModelArtifacts and ModelStore name the evaluated version's artifacts.
	ModelArtifacts, ModelStore string
	// Log receives every output line (nil: none).
	Log func(line string)
	// Dir is the step's working directory; "" is the workspace.
	Dir string
	// Queue receives the step's queue states on a batch executor (nil:
	// none; see executor.Task.Progress).
	Queue func(engine.QueueState)
}

// stepOutput is what a step left behind; Close removes it.
type stepOutput struct {
	Result executor.Result
	// OutputDir holds the artifacts and metrics.json.
	OutputDir string
	// StdoutPath and StderrPath are the captured logs.
	StdoutPath, StderrPath string
	tmp                    string
}

// Close removes the step's temporary directory.
func (o *stepOutput) Close() error { return tempdir.Remove(o.tmp) }

// run prepares the contract and runs the step. An error means the step
// could not be prepared or started (the output is still returned, for the
// logs, when it exists); a failing, timed-out or cancelled command is a
// Result, not an error.
func (r *stepRun) run(ctx context.Context) (*stepOutput, error) {
	// Under the per-user temp root, marked with this process: if apply is
	// killed, the next command that takes the state lock removes it.
	tmp, err := tempdir.New(fmt.Sprintf("%s-v%d-%s", r.Spec.Name, r.Version, r.Step), r.WS.Now)
	if err != nil {
		return nil, err
	}
	out := &stepOutput{tmp: tmp, OutputDir: filepath.Join(tmp, "output"),
		StdoutPath: filepath.Join(tmp, "stdout.log"), StderrPath: filepath.Join(tmp, "stderr.log")}
	c := executor.Contract{DataDir: filepath.Join(tmp, "data"), Datasets: map[string]string{}, OutputDir: out.OutputDir,
		ParamsFile: filepath.Join(tmp, "params.json"), Model: r.Spec.Name, Version: r.Version}
	step := r.Spec.Train
	if r.Step == executor.StepEvaluate {
		step = *r.Spec.Evaluate
		c.ModelDir = filepath.Join(tmp, "model")
	}
	c.Params = step.Params
	if err := r.materialize(ctx, c); err != nil {
		return out, err
	}
	if err := c.Prepare(); err != nil {
		return out, err
	}
	env := map[string]string{}
	for k, v := range r.Spec.Environment.Env {
		env[k] = v
	}
	for k, v := range c.Env() { // the contract wins over the environment block
		env[k] = v
	}
	ex, err := openExecutor(r.WS, r.Spec.Environment.Executor, r.Spec.ExecutorSettings)
	if err != nil {
		return out, err
	}
	stdout, err := os.Create(out.StdoutPath)
	if err != nil {
		return out, err
	}
	defer stdout.Close()
	stderr, err := os.Create(out.StderrPath)
	if err != nil {
		return out, err
	}
	defer stderr.Close()
	lw := &lineWriter{log: r.Log}
	// Secrets are redacted before anything reaches the terminal or the logs.
	outW := engine.NewRedactWriter(io.MultiWriter(stdout, lw), r.Spec.Secrets)
	errW := engine.NewRedactWriter(io.MultiWriter(stderr, lw), r.Spec.Secrets)
	dir := r.Dir
	if dir == "" {
		dir = r.WS.BaseDir
	}
	task := executor.Task{Model: r.Spec.Name, Version: r.Version, Step: r.Step, Command: step.Command, Dir: dir,
		Env: env, Timeout: step.Timeout, Stdout: outW, Stderr: errW}
	if r.Queue != nil {
		name := ex.Name()
		task.Progress = func(p executor.Progress) { r.Queue(engine.QueueState{Executor: name, Progress: p}) }
	}
	res, err := ex.Run(ctx, task)
	for _, w := range []io.Writer{outW, errW} {
		if c, ok := w.(io.Closer); ok {
			c.Close()
		}
	}
	lw.flush()
	out.Result = res
	if err != nil {
		return out, fmt.Errorf("%s command could not start: %w", r.Step, err)
	}
	return out, nil
}

// readStepMetrics reads the step's metrics.json. Errors name it as
// MLFORM_OUTPUT_DIR/metrics.json, not by the temporary directory the
// error outlives, and have secrets redacted (a metric name it quotes
// comes from the trainer; the error is recorded with the attempt).
func readStepMetrics(out *stepOutput, secrets []string) (map[string]float64, error) {
	m, err := executor.ReadMetrics(out.OutputDir)
	if err != nil {
		msg := strings.ReplaceAll(err.Error(), out.OutputDir+string(filepath.Separator), "MLFORM_OUTPUT_DIR/")
		return nil, errors.New(engine.RedactString(msg, secrets))
	}
	red, err := engine.RedactMetricNames(m, secrets)
	if err != nil || len(red) == 0 || reflect.DeepEqual(red, m) {
		return red, err
	}
	// The artifacts are stored from the output directory: their
	// metrics.json must not keep the names shown redacted everywhere else.
	if err := writeMetrics(filepath.Join(out.OutputDir, executor.MetricsFile), red); err != nil {
		return nil, err
	}
	return red, nil
}

// materialize writes the snapshots (and model artifacts) read-only.
func (r *stepRun) materialize(ctx context.Context, c executor.Contract) error {
	if err := os.MkdirAll(c.DataDir, 0o755); err != nil {
		return err
	}
	for _, ds := range slices.Sorted(maps.Keys(r.Snapshots)) {
		dir := filepath.Join(c.DataDir, ds)
		c.Datasets[ds] = dir
		if err := r.materializeOne(ctx, r.snapshotStores[ds], r.Snapshots[ds], dir); err != nil {
			return fmt.Errorf("materialise dataset.%s snapshot %s: %w", ds, plans.ShortID(r.Snapshots[ds]), err)
		}
	}
	if err := executor.MakeReadOnly(c.DataDir); err != nil {
		return err
	}
	if c.ModelDir != "" {
		if err := r.materializeOne(ctx, r.ModelStore, r.ModelArtifacts, c.ModelDir); err != nil {
			return fmt.Errorf("materialise the artifacts of v%d: %w", r.Version, err)
		}
		if err := executor.MakeReadOnly(c.ModelDir); err != nil {
			return err
		}
	}
	return nil
}

func (r *stepRun) materializeOne(ctx context.Context, storeName, id, dir string) error {
	store, err := r.WS.Store(ctx, storeName)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return store.Materialize(ctx, id, dir)
}

// openExecutor builds the executor an environment names ("" is the
// default) from the workspace's registry, with the environment's settings
// block for it (raw values, checked again by the registry).
func openExecutor(ws *engine.Workspace, name string, settings map[string]any) (executor.Executor, error) {
	if name == "" {
		name = config.DefaultExecutor
	}
	if ws.Executors == nil {
		return nil, fmt.Errorf("executor %q: no executors are registered with this workspace", name)
	}
	return ws.Executors.Open(name, settings)
}

// snapshotStores finds, in state, the store holding each snapshot.
func snapshotStores(st *state.State, snaps map[string]string) (map[string]string, error) {
	out := map[string]string{}
	for ds, id := range snaps {
		s := findSnapshot(st, ds, id)
		if s == nil {
			return nil, fmt.Errorf("dataset.%s snapshot %s is not recorded in state", ds, plans.ShortID(id))
		}
		out[ds] = s.Store
	}
	return out, nil
}

// putTree stores every regular file under dir as a manifest of kind and
// returns its id. Symlinks and other special files are refused: a step
// could point one anywhere.
func putTree(ctx context.Context, store *storage.Store, dir, kind string) (string, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return "", err
	}
	defer root.Close()
	m := &storage.Manifest{Kind: kind, Files: []storage.File{}}
	err = fs.WalkDir(root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s: not a regular file (%s); outputs must be plain files", p, d.Type())
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		f, err := root.Open(p)
		if err != nil {
			return err
		}
		sf, err := store.PutFile(ctx, f)
		f.Close()
		if err != nil {
			return fmt.Errorf("store %s: %w", p, err)
		}
		sf.Path, sf.Mode = p, uint32(info.Mode().Perm())
		m.Files = append(m.Files, sf)
		return nil
	})
	if err != nil {
		return "", err
	}
	if err := store.Flush(ctx); err != nil {
		return "", fmt.Errorf("flush store: %w", err)
	}
	return store.PutManifest(ctx, m)
}

// putLogs stores a step's stdout and stderr as a "logs" manifest.
func putLogs(ctx context.Context, store *storage.Store, out *stepOutput) (string, error) {
	m := &storage.Manifest{Kind: "logs", Files: []storage.File{}}
	for _, p := range []string{out.StdoutPath, out.StderrPath} {
		f, err := os.Open(p)
		if err != nil {
			if os.IsNotExist(err) {
				continue
			}
			return "", err
		}
		sf, err := store.PutFile(ctx, f)
		f.Close()
		if err != nil {
			return "", fmt.Errorf("store logs: %w", err)
		}
		sf.Path, sf.Mode = filepath.Base(p), 0o644
		m.Files = append(m.Files, sf)
	}
	if err := store.Flush(ctx); err != nil {
		return "", fmt.Errorf("flush store: %w", err)
	}
	return store.PutManifest(ctx, m)
}

// lineWriter hands whole output lines to log.
type lineWriter struct {
	mu  sync.Mutex
	log func(string)
	buf []byte
}

func (w *lineWriter) Write(b []byte) (int, error) {
	if w.log == nil {
		return len(b), nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, b...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		w.log(string(w.buf[:i]))
		w.buf = w.buf[i+1:]
	}
	if len(w.buf) > engine.MaxPendingOutput { // a line without end: show it in pieces
		w.log(string(w.buf))
		w.buf = nil
	}
	return len(b), nil
}

func (w *lineWriter) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 && w.log != nil {
		w.log(string(w.buf))
	}
	w.buf = nil
}

// writeMetrics replaces a step's metrics.json with m (names redacted).
func writeMetrics(path string, m map[string]float64) error {
	b, err := json.Marshal(m) // keys sorted
	if err != nil {
		return fmt.Errorf("MLFORM_OUTPUT_DIR/metrics.json: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("MLFORM_OUTPUT_DIR/metrics.json: %w", err)
	}
	return nil
}
