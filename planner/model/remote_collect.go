package model

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mlform/mlform/config"
	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/planner/plans"
	"github.com/mlform/mlform/planner/policy"
	"github.com/mlform/mlform/planner/step"
	"github.com/mlform/mlform/providers/executor"
	"github.com/mlform/mlform/providers/executor/remote"
	"github.com/mlform/mlform/providers/storage"
	"github.com/mlform/mlform/state"
)

// reasonRunning: a train action that collects an attempt an earlier apply
// submitted to a batch executor and did not collect.
const reasonRunning plans.ReasonCode = "running"

// planRunning adds the action that collects the model's running attempt,
// if it has one, and returns it: while an attempt runs, the model trains
// nothing else (the next plan decides again, with the attempt recorded).
// The job's state comes from the executor when it answers, else from what
// state last saw.
func planRunning(ctx context.Context, pc *engine.PlanContext, spec *modelSpec) *plans.Action {
	if len(spec.Code) == 0 {
		if _, name, ok := batchExecutor(pc.WS, spec.Environment.Executor, spec.ExecutorSettings); ok {
			pc.AddNote(&plans.Note{Addr: "model." + spec.Name, Message: fmt.Sprintf(
				"runs on the %s executor without code: its jobs start in an empty directory (declare the files the command needs with code = [...])", name)})
		}
	}
	m := pc.State.Models[spec.Name]
	if m == nil {
		return nil
	}
	for _, e := range m.Evaluating {
		if e == nil {
			continue
		}
		r := &state.RunningAttempt{Version: e.Version, Executor: e.Executor, JobID: e.JobID, SubmittedAt: e.SubmittedAt, ExecutorSettings: e.ExecutorSettings}
		pc.AddNote(&plans.Note{Addr: "model." + spec.Name, Message: fmt.Sprintf(
			"the evaluate step of %s; an apply that evaluates v%d on the same data re-attaches to it", describeRunning(ctx, pc.WS, spec, r, pc.WS.Now), e.Version)})
	}
	if len(m.Running) == 0 {
		return nil
	}
	r := m.Running[0]
	for _, x := range m.Running[1:] {
		if x.Version < r.Version {
			r = x
		}
	}
	addr := "model." + spec.Name
	a := &plans.Action{Addr: addr, Kind: plans.KindTrain,
		Reasons: []plans.Reason{{Code: reasonRunning, Message: describeRunning(ctx, pc.WS, spec, r, pc.WS.Now) + "; apply collects it"}},
		Train:   &plans.TrainChange{Model: spec.Name, Version: r.Version, Collect: true, Snapshots: r.Draft.Inputs.Snapshots}}
	pc.AddAction(a)
	if len(m.Running) > 1 {
		pc.AddNote(&plans.Note{Addr: addr, Message: fmt.Sprintf("%d attempts are running; the next applies collect them one by one", len(m.Running))})
	}
	if slices.Contains(pc.Options.Replace, addr) {
		// Nothing else is planned for a model until its job is collected.
		pc.AddNote(&plans.Note{Addr: addr, Message: fmt.Sprintf("-replace=%s waits: v%d is still running and is collected first; an apply with -replace after that retrains", addr, r.Version)})
	}
	return a
}

// describeRunning says where a running attempt is: "v5 running as slurm
// job 1234 on node-3 for 2h".
func describeRunning(ctx context.Context, ws *engine.Workspace, spec *modelSpec, r *state.RunningAttempt, now time.Time) string {
	st, node, since := "submitted", r.Node, r.SubmittedAt
	if !r.StartedAt.IsZero() {
		st, since = "running", r.StartedAt
	}
	if bx, ok := attemptExecutor(ws, spec, r); ok && r.JobID != "" {
		qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		p, err := bx.Describe(qctx, r.JobID)
		cancel()
		if errors.Is(err, executor.ErrJobGone) {
			// Deleted or purged: what state last saw ("running") is no
			// longer true; apply records it from its result, or as lost.
			st = "ended (no longer known to the cluster)"
		}
		if err == nil {
			// Schedulers name states in their own case (Slurm's RUNNING,
			// Kubernetes' Running).
			switch strings.ToUpper(p.State) {
			case "RUNNING":
				st, node = "running", p.Host
			case "PENDING":
				st, node = "pending", ""
				if p.Reason != "" {
					st += " (" + p.Reason + ")"
				}
			default:
				st, node = "ended ("+strings.ToLower(p.State)+")", p.Host
			}
			if !p.Since.IsZero() {
				since = p.Since
			}
		}
	}
	job := r.Executor + " job " + r.JobID
	if r.JobID == "" {
		job = r.Executor + " job (being submitted)"
	}
	msg := fmt.Sprintf("v%d %s as %s", r.Version, st, job)
	if node != "" {
		msg += " on " + node
	}
	if !since.IsZero() {
		msg += " for " + runningFor(now.Sub(since))
	}
	return msg
}

// runningFor renders how long a job has been in its state: seconds under
// a minute, then minutes ("45s", "12m", "2h5m"); a clock skew between
// this machine and the cluster never shows a negative time.
func runningFor(d time.Duration) string {
	switch {
	case d < time.Second:
		return "0s"
	case d < time.Minute:
		return policy.FormatDuration(d.Round(time.Second))
	}
	return policy.FormatDuration(d.Round(time.Minute))
}

// runCollect re-attaches to a running attempt and records it.
func runCollect(ctx context.Context, rc *engine.RunContext, a *plans.Action, specs *modelSpecs, spec *modelSpec) error {
	tc := a.Train
	ws := rc.Workspace
	var r *state.RunningAttempt
	rc.ReadState(func(st *state.State) {
		if m := st.Models[tc.Model]; m != nil {
			if x := m.RunningAttempt(tc.Version); x != nil {
				cp := *x
				r = &cp
			}
		}
	})
	if r == nil {
		return fmt.Errorf("model.%s v%d is no longer running in state (another apply collected it?); run plan again", tc.Model, tc.Version)
	}
	bx, ok := attemptExecutor(ws, spec, r)
	if !ok {
		return fmt.Errorf("model.%s v%d runs on executor %q, which this mlform cannot attach to", tc.Model, tc.Version, r.Executor)
	}
	store, err := ws.Store(ctx, r.Store)
	if err != nil {
		return err
	}
	raw, err := store.GetObject(ctx, r.SpecID)
	if err != nil {
		return fmt.Errorf("model.%s v%d: read its step spec: %w", tc.Model, tc.Version, err)
	}
	rspec, err := remote.DecodeSpec(raw)
	if err != nil {
		return fmt.Errorf("model.%s v%d: %w", tc.Model, tc.Version, err)
	}
	task := executor.Task{Model: tc.Model, Version: r.Version, Step: r.Step, Attempt: r.SpecID[:12], Command: rspec.Command, Timeout: rspec.Timeout}
	if r.JobID == "" {
		// The apply that submitted it stopped before recording the id:
		// the job, if sbatch took it, is known by its name.
		ids, err := bx.Find(ctx, task)
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			v := *r.Draft
			v.Status, v.ExitCode, v.EndedAt = state.StatusFailed, -1, v.StartedAt
			v.Error = "the apply that submitted it stopped before the job was queued; nothing ran"
			return recordAttempt(ctx, rc, a, specs, spec, &v, nil)
		}
		r.JobID = ids[len(ids)-1]
		if err := rc.UpdateState(ctx, func(st *state.State) error {
			if x := st.EnsureModel(tc.Model).RunningAttempt(r.Version); x != nil {
				x.JobID = r.JobID
			}
			return nil
		}); err != nil {
			return err
		}
	}
	if rc.Workspace.NoWait && stillRunning(ctx, bx, store, r) {
		// apply -wait=false waits for no job: one still queued or
		// running stays recorded for a later apply to collect.
		rc.SetSummary(a, fmt.Sprintf("%s v%d as %s job %s earlier, still running; a later apply collects it", submittedPrefix, r.Version, r.Executor, r.JobID))
		return nil
	}
	rc.Progress.Logf(a, "v%d: re-attaching to %s job %s", r.Version, r.Executor, r.JobID)
	if ws.TestEvent != nil {
		ws.TestEvent(fmt.Sprintf("step-attached model.%s v%d %s", tc.Model, r.Version, r.JobID))
	}
	v, done, err := collectRemote(ctx, rc, a, spec.Secrets, r, task, bx, store)
	if err != nil {
		return fmt.Errorf("v%d not collected (it stays running in state; the next apply re-attaches): %w", r.Version, err)
	}
	return recordAttempt(ctx, rc, a, specs, spec, v, done)
}

// stillRunning reports whether the job of running attempt r is still
// queued or running, so that collecting it would wait (apply -wait=false
// does not): not once its runner stored the step's result, nor when the
// cluster reports it ended or no longer knows it (collecting records
// that at once); a cluster that does not answer is not waited for either.
func stillRunning(ctx context.Context, bx executor.Batch, store *storage.Store, r *state.RunningAttempt) bool {
	if err := store.Refresh(ctx); err == nil {
		if rr, _ := step.ReadResult(ctx, store, r.SpecID); rr != nil {
			return false
		}
	}
	qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	p, err := bx.Describe(qctx, r.JobID)
	cancel()
	if err != nil {
		return !errors.Is(err, executor.ErrJobGone)
	}
	// Schedulers name states in their own case (Slurm's RUNNING,
	// Kubernetes' Running); these are the ones a job leaves by itself.
	switch strings.ToUpper(p.State) {
	case "PENDING", "RUNNING", "CONFIGURING", "SUSPENDED", "REQUEUED", "RESIZING":
		return true
	}
	return false
}

// attemptExecutor opens the batch executor that runs r with
// attemptSettings, or, when the recorded settings no longer decode (this
// mlform's executor declares other settings), with today's block.
func attemptExecutor(ws *engine.Workspace, spec *modelSpec, r *state.RunningAttempt) (executor.Batch, bool) {
	bx, _, ok := batchExecutor(ws, r.Executor, attemptSettings(spec, r))
	if !ok && r.ExecutorSettings != nil {
		current := *r
		current.ExecutorSettings = nil
		bx, _, ok = batchExecutor(ws, r.Executor, attemptSettings(spec, &current))
	}
	return bx, ok
}

// attemptSettings are the settings to reach a running attempt's job with
// (where the cluster is: a Kubernetes namespace and kubeconfig): those
// recorded when it was submitted, so a changed block does not lose the
// job; for a record without them, the model's environment's block when it
// still names the executor that runs the attempt, else none.
func attemptSettings(spec *modelSpec, r *state.RunningAttempt) map[string]any {
	if r.ExecutorSettings != nil {
		return r.ExecutorSettings
	}
	name := spec.Environment.Executor
	if name == "" {
		name = config.DefaultExecutor
	}
	if name != r.Executor {
		return nil
	}
	return spec.ExecutorSettings
}
