package step

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/mlform/mlform/config"
	"github.com/mlform/mlform/internal/tempdir"
	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/planner/plans"
	"github.com/mlform/mlform/providers/executor"
)

// Local is one run of a model's train or evaluate command under the
// training contract, on the executor its environment names, in a fresh
// temporary directory: the snapshots (and, for evaluate, the version's
// artifacts) materialised read-only from the store, an empty output
// directory, the params file, stdout and stderr captured to files (and
// streamed to Log).
type Local struct {
	WS      *engine.Workspace
	Model   string
	Step    string // executor.StepTrain or StepEvaluate
	Version int
	// Command, Params and Timeout are the step's declaration.
	Command []string
	Params  map[string]any
	Timeout time.Duration
	// Executor (with its Settings block) runs the command in Image, with
	// Env (the environment block's env) under the contract's variables.
	Executor string
	Settings map[string]any
	Image    string
	Env      map[string]string
	// Secrets are redacted from the output before it reaches Log or the
	// logs.
	Secrets []string
	// Snapshots maps dataset name to the snapshot materialised for it, and
	// SnapshotStores the store holding each.
	Snapshots      map[string]string
	SnapshotStores map[string]string
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

// Run prepares the contract and runs the step. An error means the step
// could not be prepared or started (the output is still returned, for the
// logs, when it exists); a failing, timed-out or cancelled command is a
// Result, not an error.
func (r *Local) Run(ctx context.Context) (*Output, error) {
	// Under the per-user temp root, marked with this process: if apply is
	// killed, the next command that takes the state lock removes it.
	tmp, err := tempdir.New(fmt.Sprintf("%s-v%d-%s", r.Model, r.Version, r.Step), r.WS.Now)
	if err != nil {
		return nil, err
	}
	out := newOutput(tmp)
	c := executor.Contract{DataDir: filepath.Join(tmp, "data"), Datasets: map[string]string{}, OutputDir: out.OutputDir,
		ParamsFile: filepath.Join(tmp, "params.json"), Model: r.Model, Version: r.Version, Params: r.Params}
	if r.Step == executor.StepEvaluate {
		c.ModelDir = filepath.Join(tmp, "model")
	}
	if err := r.materialize(ctx, c); err != nil {
		return out, err
	}
	if err := c.Prepare(); err != nil {
		return out, err
	}
	env := maps.Clone(r.Env)
	if env == nil {
		env = map[string]string{}
	}
	maps.Copy(env, c.Env()) // the contract wins over the environment block
	ex, err := OpenExecutor(r.WS, r.Executor, r.Settings)
	if err != nil {
		return out, err
	}
	lw := &LineWriter{Log: r.Log}
	cp, err := NewCapture(out, r.Secrets, lw, lw)
	if err != nil {
		return out, err
	}
	dir := r.Dir
	if dir == "" {
		dir = r.WS.BaseDir
	}
	task := executor.Task{Model: r.Model, Version: r.Version, Step: r.Step, Command: r.Command, Dir: dir, Image: r.Image,
		Env: env, Timeout: r.Timeout, Stdout: cp.Stdout, Stderr: cp.Stderr}
	if r.Queue != nil {
		name := ex.Name()
		task.Progress = func(p executor.Progress) { r.Queue(engine.QueueState{Executor: name, Progress: p}) }
	}
	res, err := ex.Run(ctx, task)
	cp.Close()
	lw.Flush()
	out.Result = res
	if err != nil {
		return out, fmt.Errorf("%s command could not start: %w", r.Step, err)
	}
	return out, nil
}

// materialize writes the snapshots (and model artifacts) read-only.
func (r *Local) materialize(ctx context.Context, c executor.Contract) error {
	if err := os.MkdirAll(c.DataDir, 0o755); err != nil {
		return err
	}
	for _, ds := range slices.Sorted(maps.Keys(r.Snapshots)) {
		dir := filepath.Join(c.DataDir, executor.DataDirName(ds))
		c.Datasets[ds] = dir
		if err := r.materializeOne(ctx, r.SnapshotStores[ds], r.Snapshots[ds], dir); err != nil {
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

func (r *Local) materializeOne(ctx context.Context, storeName, id, dir string) error {
	store, err := r.WS.Store(ctx, storeName)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return store.Materialize(ctx, id, dir)
}

// OpenExecutor builds the executor an environment names ("" is the
// default) from the workspace's registry, with the environment's settings
// block for it (raw values, checked again by the registry).
func OpenExecutor(ws *engine.Workspace, name string, settings map[string]any) (executor.Executor, error) {
	if name == "" {
		name = config.DefaultExecutor
	}
	if ws.Executors == nil {
		return nil, fmt.Errorf("executor %q: no executors are registered with this workspace", name)
	}
	return ws.Executors.Open(name, settings)
}
