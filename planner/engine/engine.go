package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/mlform/mlform/internal/dag"
	"github.com/mlform/mlform/planner/plans"
	"github.com/mlform/mlform/state"
)

// ActionRunner executes one kind of action. Runners are looked up by
// Action.Kind in Engine.Runners; the top-level planner's newRunners is the
// one place they are listed.
//
// A runner must record what it achieved through RunContext.UpdateState as
// soon as it is durable (so an interrupted apply loses nothing that
// succeeded) and must return promptly once ctx is cancelled.
type ActionRunner interface {
	Run(ctx context.Context, rc *RunContext, a *plans.Action) error
}

// RunnerFunc adapts a function to ActionRunner.
type RunnerFunc func(ctx context.Context, rc *RunContext, a *plans.Action) error

// Run calls f.
func (f RunnerFunc) Run(ctx context.Context, rc *RunContext, a *plans.Action) error {
	return f(ctx, rc, a)
}

// StateWriter persists state; *statemgr.Manager satisfies it.
type StateWriter interface {
	Write(ctx context.Context, s *state.State) error
}

// Progress receives apply progress. Implementations must be safe for
// concurrent use: actions run in parallel.
type Progress interface {
	// Started is called when an action starts.
	Started(a *plans.Action)
	// Advance reports files and bytes just processed by a (deltas).
	Advance(a *plans.Action, files int, bytes int64)
	// Logf prints a line about a (e.g. a training step's status).
	Logf(a *plans.Action, format string, args ...any)
	// Finished is called once per started action.
	Finished(a *plans.Action, r *ActionResult)
}

// nopProgress ignores every report.
type nopProgress struct{}

func (nopProgress) Started(*plans.Action)                 {}
func (nopProgress) Advance(*plans.Action, int, int64)     {}
func (nopProgress) Logf(*plans.Action, string, ...any)    {}
func (nopProgress) Finished(*plans.Action, *ActionResult) {}

// Action result statuses.
const (
	ResultSucceeded  = "succeeded"
	ResultFailed     = "failed"
	ResultSkipped    = "skipped"     // a dependency failed or did not run
	ResultNotStarted = "not_started" // apply was interrupted first
)

// ActionResult is the outcome of one action.
type ActionResult struct {
	Action *plans.Action
	Status string
	Err    error
	// Summary is a short runner-provided line ("held: accuracy below the
	// floor", "promoted v6"), shown in the apply summary.
	Summary string
}

// RunContext is what a runner may use during apply.
type RunContext struct {
	// Workspace gives access to configuration, stores, sources and the
	// clock. It is nil in engine unit tests.
	Workspace *Workspace
	Plan      *plans.Plan
	Progress  Progress

	// stop is Run's stop: closed by the first interrupt.
	stop <-chan struct{}

	mu     sync.Mutex
	state  *state.State
	writer StateWriter
	// summaries collects runner summaries by action id.
	summaries map[string]string

	digestOnce sync.Once
	digest     string
}

// StopRequested is closed when apply is asked to stop (the first Ctrl-C):
// running actions go on to record their outcome, but work after the record
// that only waits on others (a webhook's delivery) may give up then. nil
// (never closed) when nothing can stop the run.
func (rc *RunContext) StopRequested() <-chan struct{} { return rc.stop }

// PlanDigest is plans.Digest of the plan being applied, computed once: it
// is recorded with every version and alias move, and encoding the whole
// plan per action made applying N models quadratic.
func (rc *RunContext) PlanDigest() string {
	rc.digestOnce.Do(func() { rc.digest = plans.Digest(rc.Plan) })
	return rc.digest
}

// UpdateState applies fn to the state and persists it, serialised with
// every other runner. fn must check everything it needs before mutating:
// whatever it changed is written even when it returns an error. The write
// is not cancelled with ctx: once an action has succeeded, its record must
// reach the backend even during a second Ctrl-C.
func (rc *RunContext) UpdateState(ctx context.Context, fn func(s *state.State) error) error {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	ferr := fn(rc.state)
	if rc.writer != nil {
		if err := rc.writer.Write(context.WithoutCancel(ctx), rc.state); err != nil {
			return fmt.Errorf("persist state: %w", err)
		}
	}
	return ferr
}

// ReadState calls fn with the state under the same lock UpdateState holds.
// fn must not keep references to the state after it returns.
func (rc *RunContext) ReadState(fn func(s *state.State)) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	fn(rc.state)
}

// SetSummary records a one-line outcome for the apply summary.
func (rc *RunContext) SetSummary(a *plans.Action, summary string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.summaries == nil {
		rc.summaries = map[string]string{}
	}
	rc.summaries[a.ID()] = summary
}

// Engine executes plans.
type Engine struct {
	// Runners by action kind.
	Runners map[string]ActionRunner
	// Parallelism bounds how many actions run at once (default 4).
	Parallelism int
	Progress    Progress
}

// Result is the outcome of an apply.
type Result struct {
	Actions []*ActionResult
	// Interrupted is true when a stop request kept actions from starting.
	Interrupted bool
	// Moved counts the plan's moves recorded before the actions
	// (planner/moves.go).
	Moved int
}

// Failed reports whether any action failed or could not run.
func (r *Result) Failed() bool {
	for _, a := range r.Actions {
		if a.Status != ResultSucceeded {
			return true
		}
	}
	return false
}

// Count returns how many actions of kind ended with status.
func (r *Result) Count(kind, status string) int {
	n := 0
	for _, a := range r.Actions {
		if a.Action.Kind == kind && a.Status == status {
			n++
		}
	}
	return n
}

// Errors joins every failed action's error, each prefixed with its action.
func (r *Result) Errors() error {
	var errs []error
	for _, a := range r.Actions {
		if a.Status == ResultFailed && a.Err != nil {
			errs = append(errs, fmt.Errorf("%s %s: %w", a.Action.Kind, a.Action.Addr, a.Err))
		}
	}
	return errors.Join(errs...)
}

// Run executes p's actions in dependency order with up to Parallelism at
// once, against st (mutated in place and persisted through w after every
// action). Closing stop stops starting new actions (running ones finish);
// cancelling ctx cancels running ones. An action whose dependency did not
// succeed is skipped; everything that succeeded stays recorded.
func (e *Engine) Run(ctx context.Context, stop <-chan struct{}, ws *Workspace, p *plans.Plan, st *state.State, w StateWriter) (*Result, error) {
	order, err := plans.ActionOrder(p.Actions)
	if err != nil {
		return nil, err
	}
	for _, a := range order {
		if e.Runners[a.Kind] == nil {
			return nil, fmt.Errorf("%s %s: this mlform cannot apply %q actions", a.Kind, a.Addr, a.Kind)
		}
	}
	par := e.Parallelism
	if par <= 0 {
		par = 4
	}
	prog := e.Progress
	if prog == nil {
		prog = nopProgress{}
	}
	rc := &RunContext{Workspace: ws, Plan: p, Progress: prog, state: st, writer: w, stop: stop}

	byAddr := map[string][]*plans.Action{}
	for _, a := range order {
		byAddr[a.Addr] = append(byAddr[a.Addr], a)
	}
	deps := func(a *plans.Action) []*plans.Action {
		var out []*plans.Action
		for _, d := range a.DependsOn {
			for _, da := range byAddr[d] {
				if da != a {
					out = append(out, da)
				}
			}
		}
		return out
	}
	results := make(map[*plans.Action]*ActionResult, len(order))
	outcomes, stopped := dag.Walk(ctx, stop, order, deps, par, dag.Visitor[*plans.Action]{
		Visit: func(ctx context.Context, a *plans.Action) error {
			return cancelledError(ctx, runSafely(ctx, e.Runners[a.Kind], rc, a))
		},
		Started: prog.Started,
		Done: func(a *plans.Action, err error) {
			r := &ActionResult{Action: a, Status: ResultSucceeded, Err: err}
			if err != nil {
				r.Status = ResultFailed
			}
			rc.mu.Lock()
			r.Summary = rc.summaries[a.ID()]
			rc.mu.Unlock()
			results[a] = r
			prog.Finished(a, r)
		},
	})
	res := &Result{Interrupted: stopped}
	for _, a := range order { // dependencies first: a blocker's result is known
		r := results[a]
		if r == nil {
			o := outcomes[a]
			switch {
			case o.Status == dag.Skipped && !interrupted(results[o.Blocker]):
				why := fmt.Sprintf("%s %s %s", o.Blocker.Kind, o.Blocker.Addr, walkStatus(o.BlockerStatus))
				r = &ActionResult{Action: a, Status: ResultSkipped, Err: fmt.Errorf("not run: %s", why)}
			case o.Status == dag.Skipped:
				// Its dependency was cancelled (or never started)
				// because apply was interrupted: so is it.
				r = &ActionResult{Action: a, Status: ResultNotStarted}
				res.Interrupted = true
			default:
				r = &ActionResult{Action: a, Status: ResultNotStarted}
				if ctx.Err() != nil {
					res.Interrupted = true
				}
			}
			results[a] = r
		}
		res.Actions = append(res.Actions, r)
	}
	return res, nil
}

// interrupted reports whether r ended because apply was interrupted: it
// was cancelled while running, or never started.
func interrupted(r *ActionResult) bool {
	return r != nil && (r.Status == ResultNotStarted || r.Status == ResultFailed && errors.Is(r.Err, context.Canceled))
}

// cancelledError is the error of an action that ended with an error after
// apply's context was cancelled (a second Ctrl-C): whatever the step said
// ("v3 cancelled", "evaluate command cancelled"), the action was
// cancelled, not failed on its own, so it wraps the context's error.
func cancelledError(ctx context.Context, err error) error {
	if err == nil || ctx.Err() == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("%w: %w", err, ctx.Err())
}

// walkStatus is how a skip message names the dependency that did not
// succeed: it failed, or was skipped itself.
func walkStatus(s dag.Status) string {
	if s == dag.Failed {
		return ResultFailed
	}
	return ResultSkipped
}

// runSafely turns a runner panic into an action failure, so one bug never
// loses the state the other actions recorded.
func runSafely(ctx context.Context, r ActionRunner, rc *RunContext, a *plans.Action) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("internal error (panic): %v", p)
		}
	}()
	return r.Run(ctx, rc, a)
}
