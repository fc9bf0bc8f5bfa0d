package engine

import "github.com/mlform/mlform/planner/plans"

// StageReporter is implemented by a Progress that shows what a running
// action is doing right now: a train action may first evaluate the
// champion on new data, then train, and a progress line that only knew
// the action's kind would say "training" all along.
type StageReporter interface {
	Stage(a *plans.Action, stage string)
}

// Stage tells the progress display which stage a is in ("evaluating v2",
// "training v3"); progress displays without stages ignore it.
func (rc *RunContext) Stage(a *plans.Action, stage string) {
	if s, ok := rc.Progress.(StageReporter); ok {
		s.Stage(a, stage)
	}
}
