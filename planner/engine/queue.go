package engine

import (
	"fmt"
	"time"

	"github.com/mlform/mlform/planner/plans"
	"github.com/mlform/mlform/providers/executor"
)

// QueueState is where a step of an action waits or runs on a batch
// system: the executor's name and its last report (executor.Progress).
type QueueState struct {
	Executor string
	executor.Progress
}

// String is the state as progress shows it: "slurm job 1234 PENDING
// (Priority)", "slurm job 1234 RUNNING on node-3".
func (q QueueState) String() string {
	s := fmt.Sprintf("%s job %s %s", q.Executor, q.JobID, q.State)
	if q.Reason != "" && q.Reason != "None" {
		s += " (" + q.Reason + ")"
	}
	if q.Host != "" {
		s += " on " + q.Host
	}
	return s
}

// Line is String with how long the step has been in its state at now,
// when the scheduler said since when: "slurm job 1234 PENDING (Resources)
// for 2m10s".
func (q QueueState) Line(now time.Time) string {
	s := q.String()
	if !q.Since.IsZero() && now.After(q.Since) {
		s += " for " + now.Sub(q.Since).Round(time.Second).String()
	}
	return s
}

// QueueProgress is implemented by a Progress that shows queue states
// itself (the terminal's live line keeps the last one). ReportQueue falls
// back to a Logf line for one that does not.
type QueueProgress interface {
	Queued(a *plans.Action, q QueueState)
}

// ReportQueue tells p that a's step changed state in its executor's queue.
func ReportQueue(p Progress, a *plans.Action, q QueueState) {
	if qp, ok := p.(QueueProgress); ok {
		qp.Queued(a, q)
		return
	}
	p.Logf(a, "%s", q)
}
