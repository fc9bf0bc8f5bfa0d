package model

import (
	"context"
	"fmt"
	"io"

	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/planner/plans"
	"github.com/mlform/mlform/planner/step"
	"github.com/mlform/mlform/providers/executor"
	"github.com/mlform/mlform/providers/executor/remote"
	"github.com/mlform/mlform/providers/storage"
	"github.com/mlform/mlform/state"
)

// evaluateRemote runs the evaluate step of v on a batch executor through
// the remote-step protocol: today's code (as a local evaluate runs the
// working tree) archived, the version's artifacts as MLFORM_MODEL_DIR.
// It waits for the job; an evaluation is part of a train or promote
// decision, so it is not recorded as running: an apply killed meanwhile
// evaluates again next time. It returns the executor's result, the
// output manifest (for metrics.json) and the store holding it; an error
// means the step could not run or be followed.
func evaluateRemote(ctx context.Context, rc *engine.RunContext, a *plans.Action, spec *modelSpec, v *state.Version,
	snaps, snapStores map[string]string, bx executor.Batch, exName string) (executor.Result, string, *storage.Store, error) {
	ws := rc.Workspace
	storeName := orDefaultStore(v.Store)
	store, err := ws.Store(ctx, storeName)
	if err != nil {
		return executor.Result{}, "", nil, err
	}
	rspec := newRemoteSpec(spec, executor.StepEvaluate, v.Version, storeName)
	rspec.ModelArtifacts = &remote.Input{Store: storeName, ID: v.ArtifactsID}
	if rspec.Code, err = archiveWorkTree(ctx, ws, store, storeName, spec); err != nil {
		return executor.Result{}, "", nil, err
	}
	specID, used, err := storeSpec(ctx, store, rspec, spec.Evaluate.Params, snaps, snapStores)
	if err != nil {
		return executor.Result{}, "", nil, err
	}
	log := func(line string) { rc.Progress.Logf(a, "evaluate v%d: %s", v.Version, line) }
	res, rr, err := runRemoteOnce(ctx, ws, bx, exName, spec, rspec, specID, used, store, log)
	switch {
	case err != nil || res.Status != state.StatusSucceeded:
		return res, "", store, err
	case rr.Status != state.StatusSucceeded:
		res.Status, res.ExitCode, res.Reason = rr.Status, rr.ExitCode, rr.Error
		return res, "", store, nil
	}
	return res, rr.ArtifactsID, store, nil
}

// runRemoteOnce submits the stored spec specID, waits for its job
// (streaming its output to log) and reads its result; the step's root is
// forgotten on the way out (nothing records its outputs: evaluate and
// reproduce keep only what they read). A job that succeeded without a
// result is an error.
func runRemoteOnce(ctx context.Context, ws *engine.Workspace, bx executor.Batch, exName string, spec *modelSpec, rspec *remote.Spec,
	specID string, used map[string]bool, store *storage.Store, log func(string)) (executor.Result, *remote.Result, error) {
	task, err := remoteTask(ws, bx, spec, rspec, specID, used)
	if err != nil {
		return executor.Result{}, nil, err
	}
	lw := &step.LineWriter{Log: log}
	w := engine.NewRedactWriter(lw, spec.Secrets)
	task.Stdout, task.Stderr = w, w
	jobID, err := bx.Submit(ctx, task)
	if err != nil {
		return executor.Result{}, nil, err
	}
	log(fmt.Sprintf("submitted as %s job %s", exName, jobID))
	res, err := bx.Attach(ctx, jobID, task)
	if c, ok := w.(io.Closer); ok {
		c.Close()
	}
	lw.Flush()
	if err != nil {
		return res, nil, fmt.Errorf("follow %s job %s: %w", exName, jobID, err)
	}
	bg := context.WithoutCancel(ctx)
	defer func() { _ = store.ForgetRoot(bg, remote.ResultRoot(specID)) }()
	if err := store.Refresh(bg); err != nil {
		return res, nil, err
	}
	rr, rerr := step.ReadResult(bg, store, specID)
	if rr == nil && res.Status == state.StatusSucceeded {
		return res, nil, fmt.Errorf("%s job %s ended without a step result (%v)", exName, jobID, rerr)
	}
	return res, rr, nil
}
