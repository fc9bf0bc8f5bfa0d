package model

import (
	"time"

	"github.com/mlform/mlform/planner/engine"
)

// runTimes is when a step is recorded to have started and ended. With a
// fixed clock (-now / MLFORM_NOW) a run has one clock: the step starts at
// the workspace's Now and lasts as long as it really ran, so a version is
// never recorded after the alias move of the same run (stamped Now too).
// Otherwise the executor's times are kept.
func runTimes(ws *engine.Workspace, started, ended time.Time) (time.Time, time.Time) {
	return recordedTimes(ws.FixedClock, ws.Now, started, ended)
}

// recordedTimes is runTimes with the start a fixed clock gives: a batch
// job collected by a later apply starts at the Now of the apply that
// submitted it (its draft's start), not at the collecting apply's.
func recordedTimes(fixed bool, start, started, ended time.Time) (time.Time, time.Time) {
	if !fixed {
		return started.UTC(), ended.UTC()
	}
	return start.UTC(), start.UTC().Add(ended.Sub(started))
}

// submitTime is when a batch job is recorded as submitted: now, or the
// workspace's Now under a fixed clock (so plan's "running for" is measured
// on the run's one clock).
func submitTime(ws *engine.Workspace) time.Time {
	if ws.FixedClock {
		return ws.Now.UTC()
	}
	return time.Now().UTC()
}
