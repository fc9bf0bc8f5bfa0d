package model

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/mlform/mlform/config"
	"github.com/mlform/mlform/config/syntax"
	"github.com/mlform/mlform/internal/tempdir"
	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/planner/plans"
	"github.com/mlform/mlform/planner/provenance"
	"github.com/mlform/mlform/planner/step"
	"github.com/mlform/mlform/providers/executor"
	"github.com/mlform/mlform/providers/executor/remote"
	"github.com/mlform/mlform/providers/storage"
	"github.com/mlform/mlform/state"
	"github.com/mlform/mlform/state/statemgr"
)

// The controller's half of the remote-step protocol
// (providers/executor/remote): on a batch executor a train step is a
// spec object in the store and a job running `mlform step run`; apply
// records the attempt as running (with its job id) before it waits, so
// that an apply killed meanwhile loses nothing and the next one collects
// the same job (runCollect).

// submittedPrefix starts the summary of a train action that submitted its
// job and did not record a version (apply -wait=false): TrainSubmitted.
const submittedPrefix = "submitted"

// isTrainSubmitted reports whether r is a train action that only submitted
// its job (a later apply collects it): apply's summary counts it apart.
func isTrainSubmitted(r *engine.ActionResult) bool {
	return r != nil && r.Action != nil && r.Action.Kind == plans.KindTrain && r.Status == engine.ResultSucceeded &&
		strings.HasPrefix(r.Summary, submittedPrefix+" ")
}

// batchExecutor opens the executor name when it is a batch executor.
func batchExecutor(ws *engine.Workspace, name string, settings map[string]any) (executor.Batch, string, bool) {
	if name == "" {
		name = config.DefaultExecutor
	}
	ex, err := step.OpenExecutor(ws, name, settings)
	if err != nil {
		return nil, "", false
	}
	bx, ok := ex.(executor.Batch)
	return bx, name, ok
}

// submitRemote stores the step's spec, records the attempt as running,
// submits its job and (unless ws.NoWait) collects it.
func submitRemote(ctx context.Context, rc *engine.RunContext, a *plans.Action, spec *modelSpec, v *state.Version,
	store *storage.Store, snapStores map[string]string, bx executor.Batch, exName string) (*state.Version, string, func(), error) {
	ws := rc.Workspace
	fail := func(err error) (*state.Version, string, func(), error) {
		v.Error = err.Error()
		return v, "", nil, nil
	}
	storeName := orDefaultStore(v.Store)
	// The environment record and model card are taken when the job is
	// submitted (capture commands run here, as for local steps) and kept
	// in the draft the collecting apply completes.
	if err := provenance.Record(ctx, ws, spec.provenance(), store, v); err != nil {
		return fail(errors.New(engine.RedactString(err.Error(), spec.Secrets)))
	}
	rspec := newRemoteSpec(spec, executor.StepTrain, v.Version, storeName)
	if v.CodeID != "" {
		rspec.Code = &remote.Input{Store: storeName, ID: v.CodeID}
	}
	specID, used, err := storeSpec(ctx, store, rspec, spec.Train.Params, v.Inputs.Snapshots, snapStores)
	if err != nil {
		return fail(err)
	}
	task, err := remoteTask(ws, bx, spec, rspec, specID, used)
	if err != nil {
		// Nothing was submitted (the mlform binary the jobs would run is
		// missing, a store no node can reach): like a job the cluster
		// refuses, this costs no version.
		refused := &executor.RefusedError{Err: err}
		var be *binaryError
		if errors.As(err, &be) {
			refused.Settings = []string{"binary"}
		}
		return nil, "", nil, unsubmitted(ctx, rc, spec, exName, v.Version, refused, "could not submit the job of")
	}
	draft := *v
	run := &state.RunningAttempt{Version: v.Version, Step: executor.StepTrain, Executor: exName, SpecID: specID,
		ParamsID: rspec.Params, Store: storeName, SubmittedAt: submitTime(ws), ExecutorSettings: spec.ExecutorSettings, Draft: &draft}
	if err := rc.UpdateState(ctx, func(st *state.State) error {
		m := st.EnsureModel(spec.Name)
		rec := *run // state keeps its own copy: Progress updates it under the state lock
		m.Running = append(m.Running, &rec)
		return nil
	}); err != nil {
		return fail(fmt.Errorf("record the running attempt: %w", err))
	}
	if ws.TestEvent != nil {
		ws.TestEvent(fmt.Sprintf("step-submitting model.%s v%d", spec.Name, v.Version))
	}
	jobID, err := bx.Submit(ctx, task)
	if err == nil {
		err = rc.UpdateState(ctx, func(st *state.State) error {
			if r := st.EnsureModel(spec.Name).RunningAttempt(v.Version); r != nil {
				r.JobID = jobID
			}
			return nil
		})
	} else {
		var refused *executor.RefusedError
		if errors.As(err, &refused) {
			return nil, "", nil, unsubmitted(ctx, rc, spec, exName, v.Version, refused, "the cluster refused the job of")
		}
		v.Error = err.Error() // recorded as a failed attempt, which removes the running record
		return v, "", nil, nil
	}
	if err != nil {
		// The job runs but its id is not recorded: the next apply finds
		// it by name (Find) and collects it.
		return nil, fmt.Sprintf("%s v%d as %s job %s, but recording its id failed (%v); the next apply finds and collects it", submittedPrefix, v.Version, exName, jobID, err), nil, nil
	}
	run.JobID = jobID
	rc.Progress.Logf(a, "v%d: submitted as %s job %s", v.Version, exName, jobID)
	if ws.TestEvent != nil {
		ws.TestEvent(fmt.Sprintf("step-submitted model.%s v%d %s", spec.Name, v.Version, jobID))
	}
	if ws.NoWait {
		return nil, fmt.Sprintf("%s v%d as %s job %s; a later apply collects it", submittedPrefix, v.Version, exName, jobID), nil, nil
	}
	out, done, err := collectRemote(ctx, rc, a, spec.Secrets, run, task, bx, store)
	if err != nil {
		return nil, fmt.Sprintf("%s v%d as %s job %s, not collected: %v; the next apply re-attaches", submittedPrefix, v.Version, exName, jobID, err), nil, nil
	}
	return out, "", done, nil
}

// collectRemote follows a submitted job to its end and builds the version
// record from its result. An error means the job could not be followed
// (the cluster did not answer): the attempt stays running in state.
func collectRemote(ctx context.Context, rc *engine.RunContext, a *plans.Action, secrets []string, run *state.RunningAttempt,
	task executor.Task, bx executor.Batch, store *storage.Store) (*state.Version, func(), error) {
	ws := rc.Workspace
	tmp, err := tempdir.New(fmt.Sprintf("collect-v%d", run.Version), ws.Now)
	if err != nil {
		return nil, nil, err
	}
	defer tempdir.Remove(tmp)
	out := &step.Output{StdoutPath: filepath.Join(tmp, "stdout.log"), StderrPath: filepath.Join(tmp, "stderr.log")}
	lw := &step.LineWriter{Log: func(line string) { rc.Progress.Logf(a, "v%d: %s", run.Version, line) }}
	cp, err := step.NewCapture(out, secrets, lw, lw)
	if err != nil {
		return nil, nil, err
	}
	task.Stdout, task.Stderr = cp.Stdout, cp.Stderr
	var last executor.Progress
	task.Progress = func(p executor.Progress) {
		if p.State == last.State && p.Host == last.Host && p.Reason == last.Reason {
			return
		}
		last = p
		engine.ReportQueue(rc.Progress, a, engine.QueueState{Executor: run.Executor, Progress: p})
		if strings.EqualFold(p.State, "RUNNING") {
			_ = rc.UpdateState(ctx, func(st *state.State) error {
				if r := st.EnsureModel(task.Model).RunningAttempt(run.Version); r != nil {
					r.Node, r.StartedAt = p.Host, p.Since.UTC()
				}
				return nil
			})
		}
	}
	res, err := bx.Attach(ctx, run.JobID, task)
	lost := "" // why the attempt is lost, when it is
	cp.Close()
	lw.Flush()
	if err != nil {
		// The cluster cannot say (it forgot a finished job, MinJobAge
		// without accounting): the step's own result, if it wrote one,
		// says how it ended. Without one the attempt stays running.
		ferr := fmt.Errorf("follow %s job %s: %w", run.Executor, run.JobID, err)
		bg := context.WithoutCancel(ctx)
		if rerr := store.Refresh(bg); rerr != nil {
			return nil, nil, ferr
		}
		rr, rerr := step.ReadResult(bg, store, run.SpecID)
		switch {
		case rerr == nil:
			res = executor.Result{Status: rr.Status, ExitCode: rr.ExitCode, StartedAt: rr.StartedAt, EndedAt: rr.EndedAt, Host: rr.Host}
			res.Reason = goneReason(run.Executor, run.JobID, rr.Status, task.Timeout)
			if rr.Status == state.StatusCancelled {
				// mlform cancels a job only through Attach, which says
				// so: a runner stopped while no apply watched was
				// stopped from outside (a deleted Job, scancel).
				res.Status = state.StatusFailed
			}
			rc.Progress.Logf(a, "v%d: %v; recording it from its step result", run.Version, ferr)
		case errors.Is(err, executor.ErrJobGone) && errors.Is(rerr, storage.ErrNotFound):
			// Final on both sides: the cluster will not bring the job
			// back and its runner never wrote a result. Waiting would
			// make every later apply try again; record it as lost.
			lost = fmt.Sprintf("lost: %s job %s is unknown to the cluster (deleted, or purged after it ended) and left no step result", run.Executor, run.JobID)
			res = executor.Result{Status: state.StatusFailed, ExitCode: -1}
			rc.Progress.Logf(a, "v%d: %s", run.Version, lost)
		default:
			return nil, nil, ferr
		}
	}
	v := *run.Draft
	v.Job = fmt.Sprintf("%s job %s", run.Executor, run.JobID)
	if res.Detail != "" {
		v.Job += " (" + engine.RedactString(res.Detail, secrets) + ")"
	}
	v.Host, v.ExitCode, v.Status = res.Host, res.ExitCode, res.Status
	if !res.StartedAt.IsZero() {
		// One clock: under -now the job starts when its apply submitted it.
		v.StartedAt, v.EndedAt = recordedTimes(ws.FixedClock, run.Draft.StartedAt, res.StartedAt, res.EndedAt)
	}
	bg := context.WithoutCancel(ctx)
	if res.ImageDigest != "" {
		// The environment record was taken at submission, before the
		// cluster resolved the image: it gets the digest now.
		if id, err := provenance.RecordImageDigest(bg, store, v.EnvironmentID, res.ImageDigest); err == nil {
			v.EnvironmentID = id
		} else {
			rc.Progress.Logf(a, "v%d: the image digest %s is not in the environment record: %v", run.Version, res.ImageDigest, err)
		}
	}
	// The runner stored the outputs through its own index objects.
	if err := store.Refresh(bg); err != nil {
		return nil, nil, err
	}
	rr, rerr := step.ReadResult(bg, store, run.SpecID)
	done := func() { _ = store.ForgetRoot(bg, remote.ResultRoot(run.SpecID)) }
	if rr != nil {
		v.LogsID = rr.LogsID
		if v.Host == "" {
			v.Host = rr.Host
		}
	}
	if v.LogsID == "" {
		out.Result = res
		if id, err := step.PutLogs(bg, store, out); err == nil {
			v.LogsID = id
		}
	}
	switch {
	case res.Status == state.StatusTimedOut:
		v.Error = "timed out: " + res.Reason
		return &v, done, nil
	case res.Status == state.StatusCancelled:
		v.Error = "cancelled: " + res.Reason
		return &v, done, nil
	case rr == nil:
		v.Status = state.StatusFailed
		if v.ExitCode == 0 {
			v.ExitCode = -1
		}
		why := res.Reason
		if why == "" {
			why = fmt.Sprintf("%s job %s ended (exit status %d)", run.Executor, run.JobID, res.ExitCode)
		}
		v.Error = fmt.Sprintf("%s: %v", why, rerr)
		if lost != "" {
			v.Error = lost
		}
		return &v, done, nil
	}
	if res.Status == state.StatusFailed && rr.Status != state.StatusFailed && rr.Status != state.StatusTimedOut && res.Reason != "" {
		// The cluster ended the job (scancel from outside, a lost node,
		// preemption): its word wins over what the runner saw (SIGTERM).
		// A runner that timed the command out itself knows better: the
		// job then failed because the step did.
		v.Status, v.Error = state.StatusFailed, res.Reason
		return &v, done, nil
	}
	v.Status, v.ExitCode = rr.Status, rr.ExitCode
	if rr.Status != state.StatusSucceeded {
		switch {
		case rr.Error != "":
			v.Error = rr.Error
		case rr.Status == state.StatusTimedOut:
			v.Error = "timed out"
		default:
			v.Error = fmt.Sprintf("train command exited with status %d", rr.ExitCode)
		}
		if res.Reason != "" && res.Status != state.StatusSucceeded && rr.Status == state.StatusFailed && rr.Error == "" {
			v.Error += " (" + res.Reason + ")"
		}
		return &v, done, nil
	}
	metrics, err := step.StoredMetrics(bg, store, rr.ArtifactsID, secrets, true)
	if err != nil {
		v.Status, v.Error = state.StatusFailed, err.Error()
		return &v, done, nil
	}
	v.Metrics, v.ArtifactsID = metrics, rr.ArtifactsID
	return &v, done, nil
}

// goneReason is the reason recorded for a job the cluster no longer knows
// whose runner left a result of status: "" when the result says enough
// (it succeeded, or its command failed).
func goneReason(executorName, jobID, status string, timeout time.Duration) string {
	switch status {
	case state.StatusCancelled:
		return fmt.Sprintf("%s job %s was stopped before its command ended (its runner reports it cancelled) and is no longer known to the cluster: deleted or cancelled outside mlform while no apply watched it", executorName, jobID)
	case state.StatusTimedOut:
		return fmt.Sprintf("timeout %s reached (the step's runner stopped its command; %s job %s is no longer known to the cluster)", timeout, executorName, jobID)
	}
	return ""
}

// unsubmitted undoes the attempt of version of a job the cluster refused,
// or that could not be submitted at all (what says which; no job exists,
// nothing ran): its running record goes and the version
// number is given back, unless a later one was taken meanwhile, so a
// setting the cluster does not accept (a partition, a namespace) costs no
// version. The error names where each setting the refusal is about is
// set.
func unsubmitted(ctx context.Context, rc *engine.RunContext, spec *modelSpec, exName string, version int, refused *executor.RefusedError, what string) error {
	uerr := rc.UpdateState(statemgr.ChangingModel(context.WithoutCancel(ctx), spec.Name), func(st *state.State) error {
		m := st.EnsureModel(spec.Name)
		m.RemoveRunning(version)
		if m.NextVersion == version+1 {
			m.NextVersion = version
		}
		return nil
	})
	msg := fmt.Sprintf("%s v%d, so nothing ran and no version was recorded: %v", what, version, refused.Err)
	if uerr != nil {
		msg = fmt.Sprintf("%s v%d, so nothing ran: %v (removing its running record failed: %v; the next apply finds no job and records a failed attempt)", what, version, refused.Err, uerr)
	}
	return errors.New(engine.RedactString(msg+refusedAt(spec, exName, refused), spec.Secrets))
}

// refusedAt says where the settings a refusal is about are set
// ("; check the slurm setting partition at main.mlf.hcl:7:18"), or "".
func refusedAt(spec *modelSpec, exName string, refused *executor.RefusedError) string {
	var at []string
	for _, name := range refused.Settings {
		if r, ok := spec.SettingRanges[name]; ok {
			at = append(at, fmt.Sprintf("%s setting %s at %s", exName, name, syntax.RangeString(r)))
		}
	}
	if len(at) == 0 {
		return ""
	}
	return "; check the " + strings.Join(at, ", the ")
}
