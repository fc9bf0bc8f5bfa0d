package engine

import (
	"fmt"
	"testing"
	"time"

	"github.com/mlform/mlform/planner/plans"
	"github.com/mlform/mlform/providers/executor"
)

// logProgress records Logf lines; it does not show queue states itself.
type logProgress struct {
	nopProgress
	lines []string
}

func (l *logProgress) Logf(a *plans.Action, format string, args ...any) {
	l.lines = append(l.lines, a.Addr+": "+fmt.Sprintf(format, args...))
}

// TestQueueState: how a queued step is named, and that a Progress that
// does not show queue states gets each as a log line instead.
func TestQueueState(t *testing.T) {
	now := time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		q         QueueState
		str, line string
	}{
		{QueueState{"slurm", executor.Progress{JobID: "1", State: "PENDING", Reason: "Priority", Since: now.Add(-90 * time.Second)}},
			"slurm job 1 PENDING (Priority)", "slurm job 1 PENDING (Priority) for 1m30s"},
		{QueueState{"slurm", executor.Progress{JobID: "2", State: "RUNNING", Reason: "None", Host: "n1", Since: now.Add(-time.Second)}},
			"slurm job 2 RUNNING on n1", "slurm job 2 RUNNING on n1 for 1s"},
		{QueueState{"k8s", executor.Progress{JobID: "j", State: "Pending"}}, "k8s job j Pending", "k8s job j Pending"},
		{QueueState{"slurm", executor.Progress{JobID: "3", State: "PENDING", Since: now.Add(time.Minute)}}, "slurm job 3 PENDING", "slurm job 3 PENDING"},
	}
	for _, tt := range tests {
		if got := tt.q.String(); got != tt.str {
			t.Errorf("String() = %q, want %q", got, tt.str)
		}
		if got := tt.q.Line(now); got != tt.line {
			t.Errorf("Line() = %q, want %q", got, tt.line)
		}
		var lp logProgress
		ReportQueue(&lp, &plans.Action{Addr: "model.m"}, tt.q)
		if len(lp.lines) != 1 || lp.lines[0] != "model.m: "+tt.str {
			t.Errorf("fallback lines %q, want [model.m: %s]", lp.lines, tt.str)
		}
	}
}
