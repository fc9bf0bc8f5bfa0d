package model

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/planner/plans"
	"github.com/mlform/mlform/planner/redact"
	"github.com/mlform/mlform/planner/step"
	"github.com/mlform/mlform/providers/executor"
	"github.com/mlform/mlform/providers/executor/remote"
	"github.com/mlform/mlform/providers/storage"
	"github.com/mlform/mlform/state"
	"github.com/mlform/mlform/state/statemgr"
)

// evaluateRemote runs the evaluate step of v on a batch executor through
// the remote-step protocol: today's code (as a local evaluate runs the
// working tree) archived, the version's artifacts as MLFORM_MODEL_DIR.
// The job is recorded in state (Model.Evaluating) before apply waits for
// it, so an apply killed meanwhile leaves the job running and the next
// apply that needs the same evaluation (same version, snapshots and
// evaluator) re-attaches to it instead of submitting another. It returns
// the executor's result, the output manifest (for metrics.json) and the
// store holding it; an error means the step could not run or be followed.
func evaluateRemote(ctx context.Context, rc *engine.RunContext, a *plans.Action, spec *modelSpec, v *state.Version,
	snaps, snapStores map[string]string, evaluator string, bx executor.Batch, exName string) (executor.Result, string, *storage.Store, error) {
	log := func(line string) { rc.Progress.Logf(a, "evaluate v%d: %s", v.Version, line) }
	run, rbx, task, release, err := reattachEvaluation(ctx, rc, spec, v.Version, snaps, evaluator, exName, log)
	if err != nil {
		return executor.Result{}, "", nil, err
	}
	if run != nil {
		bx = rbx
	} else {
		if run, task, release, err = submitEvaluation(ctx, rc, spec, v, snaps, snapStores, evaluator, bx, exName, log); err != nil {
			return executor.Result{}, "", nil, err
		}
	}
	defer release()
	store, err := rc.Workspace.Store(ctx, run.Store)
	if err != nil {
		return executor.Result{}, "", nil, err
	}
	res, rr, err := followRemote(ctx, bx, exName, spec, task, run.JobID, store, run.SpecID, log)
	if err != nil && !errors.Is(err, executor.ErrJobGone) {
		return res, "", store, fmt.Errorf("%w (it stays recorded; the next apply that evaluates v%d on this data re-attaches)", err, v.Version)
	}
	// Read or lost for good: nothing is left to re-attach to.
	bg := context.WithoutCancel(ctx)
	if uerr := rc.UpdateState(statemgr.ChangingModel(bg, spec.Name), func(st *state.State) error {
		if m := st.Models[spec.Name]; m != nil {
			m.RemoveEvaluating(run.SpecID)
		}
		return nil
	}); uerr != nil {
		return res, "", store, uerr
	}
	_ = store.ForgetRoot(bg, remote.ResultRoot(run.SpecID))
	switch {
	case err != nil:
		return res, "", store, err
	case res.Status != state.StatusSucceeded:
		return res, "", store, nil
	case rr.Status != state.StatusSucceeded:
		res.Status, res.ExitCode, res.Reason = rr.Status, rr.ExitCode, rr.Error
		return res, "", store, nil
	}
	return res, rr.ArtifactsID, store, nil
}

// reattachEvaluation finds the recorded running evaluation of version on
// snaps by evaluator that an earlier apply left, claims it, and returns it
// with the task to follow its job and the claim's release (nil: none to
// re-attach to), and the executor that reaches its job: opened with the
// settings the job was submitted with (a namespace changed since does not
// lose it), as a running attempt's (attemptExecutor). A record whose job
// was never queued (an apply killed before sbatch took it) is dropped. A
// job another action of this apply follows (claimed) is not taken: that
// action reads its result.
func reattachEvaluation(ctx context.Context, rc *engine.RunContext, spec *modelSpec, version int, snaps map[string]string, evaluator string,
	exName string, log func(string)) (run *state.RunningEvaluation, bx executor.Batch, task executor.Task, release func(), err error) {
	ws := rc.Workspace
	rc.ReadState(func(st *state.State) {
		if m := st.Models[spec.Name]; m != nil {
			for _, e := range m.Evaluating {
				if e.Same(version, snaps, evaluator) && e.Executor == exName && !ws.Claimed(e.SpecID) {
					cp := *e
					run = &cp
				}
			}
		}
	})
	if run == nil {
		return nil, nil, executor.Task{}, nil, nil
	}
	bx, ok := attemptExecutor(ws, spec, &state.RunningAttempt{Executor: run.Executor, ExecutorSettings: run.ExecutorSettings})
	if !ok {
		return nil, nil, executor.Task{}, nil, fmt.Errorf("the running evaluation of v%d runs on executor %q, which this mlform cannot attach to", version, run.Executor)
	}
	release, ok = ws.Claim(run.SpecID)
	if !ok {
		return nil, nil, executor.Task{}, nil, nil
	}
	defer func() {
		if run == nil || err != nil {
			release()
		}
	}()
	run, task, err = reattachTask(ctx, rc, spec, run, bx, exName, log)
	return run, bx, task, release, err
}

// reattachTask is the task to follow the job of run, found by name when
// its id was not recorded (nil: no job was queued; the record is dropped).
func reattachTask(ctx context.Context, rc *engine.RunContext, spec *modelSpec, run *state.RunningEvaluation,
	bx executor.Batch, exName string, log func(string)) (*state.RunningEvaluation, executor.Task, error) {
	version := run.Version
	store, err := rc.Workspace.Store(ctx, run.Store)
	if err != nil {
		return nil, executor.Task{}, err
	}
	raw, err := store.GetObject(ctx, run.SpecID)
	if err != nil {
		return nil, executor.Task{}, fmt.Errorf("read the step spec of the running evaluation: %w", err)
	}
	rspec, err := remote.DecodeSpec(raw)
	if err != nil {
		return nil, executor.Task{}, err
	}
	task := executor.Task{Model: spec.Name, Version: version, Step: executor.StepEvaluate, Attempt: run.SpecID[:12],
		Command: rspec.Command, Timeout: rspec.Timeout}
	if run.JobID == "" {
		ids, err := bx.Find(ctx, task)
		if err != nil {
			return nil, executor.Task{}, err
		}
		if len(ids) == 0 {
			log("the apply that submitted its evaluation stopped before the job was queued; submitting it again")
			return nil, executor.Task{}, rc.UpdateState(statemgr.ChangingModel(ctx, spec.Name), func(st *state.State) error {
				if m := st.Models[spec.Name]; m != nil {
					m.RemoveEvaluating(run.SpecID)
				}
				return nil
			})
		}
		run.JobID = ids[len(ids)-1]
		if err := setEvaluationJob(ctx, rc, spec.Name, run.SpecID, run.JobID); err != nil {
			return nil, executor.Task{}, err
		}
	}
	log(fmt.Sprintf("re-attaching to %s job %s", exName, run.JobID))
	if rc.Workspace.TestEvent != nil {
		rc.Workspace.TestEvent(fmt.Sprintf("evaluate-attached model.%s v%d %s", spec.Name, version, run.JobID))
	}
	return run, task, nil
}

// submitEvaluation stores the evaluate step's spec, records it as running
// and submits its job.
func submitEvaluation(ctx context.Context, rc *engine.RunContext, spec *modelSpec, v *state.Version, snaps, snapStores map[string]string,
	evaluator string, bx executor.Batch, exName string, log func(string)) (_ *state.RunningEvaluation, _ executor.Task, release func(), err error) {
	ws := rc.Workspace
	storeName := orDefaultStore(v.Store)
	store, err := ws.Store(ctx, storeName)
	if err != nil {
		return nil, executor.Task{}, nil, err
	}
	rspec := newRemoteSpec(spec, executor.StepEvaluate, v.Version, storeName)
	rspec.ModelArtifacts = &remote.Input{Store: storeName, ID: v.ArtifactsID}
	if rspec.Code, err = archiveWorkTree(ctx, ws, store, storeName, spec); err != nil {
		return nil, executor.Task{}, nil, err
	}
	specID, used, err := storeSpec(ctx, store, rspec, spec.Evaluate.Params, snaps, snapStores)
	if err != nil {
		return nil, executor.Task{}, nil, err
	}
	task, err := remoteTask(ws, bx, spec, rspec, specID, used)
	if err != nil {
		return nil, executor.Task{}, nil, err
	}
	release, _ = ws.Claim(specID) // a new spec id: nobody else holds it
	defer func() {
		if err != nil {
			release()
		}
	}()
	// An earlier apply's evaluation of this version on other data or code
	// is not needed any more: its job is left to end alone, and its record
	// replaced by this one (not one another action of this apply follows).
	stale := func(e *state.RunningEvaluation) bool {
		return e == nil || e.Version == v.Version && !ws.Claimed(e.SpecID)
	}
	rc.ReadState(func(st *state.State) {
		if m := st.Models[spec.Name]; m != nil {
			for _, e := range m.Evaluating {
				if e != nil && e.Version == v.Version && !ws.Claimed(e.SpecID) {
					log(fmt.Sprintf("not waiting for %s job %s any more (an earlier evaluation of v%d on other data or code)", e.Executor, e.JobID, v.Version))
				}
			}
		}
	})
	run := &state.RunningEvaluation{Version: v.Version, Snapshots: snaps, Evaluator: evaluator, Executor: exName,
		SpecID: specID, Store: storeName, SubmittedAt: submitTime(ws), ParamsID: rspec.Params, ExecutorSettings: spec.ExecutorSettings}
	if rspec.Code != nil {
		run.CodeID = rspec.Code.ID
	}
	if err := rc.UpdateState(statemgr.ChangingModel(ctx, spec.Name), func(st *state.State) error {
		m := st.EnsureModel(spec.Name)
		m.Evaluating = slices.DeleteFunc(m.Evaluating, stale)
		rec := *run
		m.Evaluating = append(m.Evaluating, &rec)
		return nil
	}); err != nil {
		return nil, executor.Task{}, nil, fmt.Errorf("record the running evaluation: %w", err)
	}
	if ws.TestEvent != nil {
		ws.TestEvent(fmt.Sprintf("evaluate-submitting model.%s v%d", spec.Name, v.Version))
	}
	jobID, err := bx.Submit(ctx, task)
	if err != nil {
		_ = rc.UpdateState(statemgr.ChangingModel(context.WithoutCancel(ctx), spec.Name), func(st *state.State) error {
			st.EnsureModel(spec.Name).RemoveEvaluating(specID)
			return nil
		})
		var refused *executor.RefusedError
		if errors.As(err, &refused) {
			err = fmt.Errorf("the cluster refused the job, so nothing ran: %w%s", err, refusedAt(spec, exName, refused))
		}
		return nil, executor.Task{}, nil, err
	}
	run.JobID = jobID
	if err := setEvaluationJob(ctx, rc, spec.Name, specID, jobID); err != nil {
		// The job runs but its id is not recorded: the next apply that
		// needs this evaluation finds it by name (Find).
		return nil, executor.Task{}, nil, fmt.Errorf("submitted as %s job %s, but recording its id failed: %w", exName, jobID, err)
	}
	log(fmt.Sprintf("submitted as %s job %s", exName, jobID))
	if ws.TestEvent != nil {
		ws.TestEvent(fmt.Sprintf("evaluate-submitted model.%s v%d %s", spec.Name, v.Version, jobID))
	}
	return run, task, release, nil
}

// setEvaluationJob records the job id of the running evaluation specID.
func setEvaluationJob(ctx context.Context, rc *engine.RunContext, model, specID, jobID string) error {
	return rc.UpdateState(statemgr.ChangingModel(ctx, model), func(st *state.State) error {
		for _, e := range st.EnsureModel(model).Evaluating {
			if e != nil && e.SpecID == specID {
				e.JobID = jobID
			}
		}
		return nil
	})
}

// runRemoteOnce submits the stored spec specID, waits for its job
// (streaming its output to log) and reads its result; the step's root is
// forgotten on the way out (nothing records its outputs: reproduce keeps
// only what it reads).
func runRemoteOnce(ctx context.Context, ws *engine.Workspace, bx executor.Batch, exName string, spec *modelSpec, rspec *remote.Spec,
	specID string, used map[string]bool, store *storage.Store, log func(string)) (executor.Result, *remote.Result, error) {
	task, err := remoteTask(ws, bx, spec, rspec, specID, used)
	if err != nil {
		return executor.Result{}, nil, err
	}
	jobID, err := bx.Submit(ctx, task)
	if err != nil {
		var refused *executor.RefusedError
		if errors.As(err, &refused) {
			err = fmt.Errorf("the cluster refused the job, so nothing ran: %w%s", err, refusedAt(spec, exName, refused))
		}
		return executor.Result{}, nil, err
	}
	log(fmt.Sprintf("submitted as %s job %s", exName, jobID))
	defer func() { _ = store.ForgetRoot(context.WithoutCancel(ctx), remote.ResultRoot(specID)) }()
	return followRemote(ctx, bx, exName, spec, task, jobID, store, specID, log)
}

// followRemote waits for job jobID of spec specID (streaming its output,
// redacted, to log) and reads its result. A job that succeeded without a
// result is an error; so is one the cluster no longer knows that left no
// result (wrapping executor.ErrJobGone). A job the cluster forgot that
// did write its result is reported from that result.
func followRemote(ctx context.Context, bx executor.Batch, exName string, spec *modelSpec, task executor.Task, jobID string,
	store *storage.Store, specID string, log func(string)) (executor.Result, *remote.Result, error) {
	lw := &step.LineWriter{Log: log}
	w := redact.NewWriter(lw, spec.Secrets)
	task.Stdout, task.Stderr = w, w
	res, aerr := bx.Attach(ctx, jobID, task)
	if c, ok := w.(io.Closer); ok {
		c.Close()
	}
	lw.Flush()
	bg := context.WithoutCancel(ctx)
	if err := store.Refresh(bg); err != nil {
		return res, nil, err
	}
	rr, rerr := step.ReadResult(bg, store, specID)
	switch {
	case aerr != nil && rr == nil:
		return res, nil, fmt.Errorf("follow %s job %s: %w", exName, jobID, aerr)
	case aerr != nil:
		// The cluster forgot the job; its own result says how it ended.
		res = executor.Result{Status: rr.Status, ExitCode: rr.ExitCode, StartedAt: rr.StartedAt, EndedAt: rr.EndedAt, Host: rr.Host}
	case rr == nil && res.Status == state.StatusSucceeded:
		return res, nil, fmt.Errorf("%s job %s ended: %w", exName, jobID, rerr)
	}
	return res, rr, nil
}
