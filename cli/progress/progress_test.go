package progress

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mlform/mlform/internal/syncbuf"
	"github.com/mlform/mlform/internal/wanttext"
	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/planner/plans"
	"github.com/mlform/mlform/providers/executor"
)

func TestProgressPlainLines(t *testing.T) {
	var out syncbuf.Buffer
	now := time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }

	p := New(&out, nil, clock)
	if p.live {
		t.Fatal("a buffer is not a terminal")
	}
	a := &plans.Action{Kind: plans.KindSnapshot, Addr: "dataset.big", Snapshot: &plans.SnapshotChange{Files: 10, Bytes: 10 << 20}}
	b := &plans.Action{Kind: plans.KindTrain, Addr: "model.m"}
	c := &plans.Action{Kind: plans.KindPromote, Addr: "promotion.p"}
	p.Started(a)
	p.Started(b)
	p.Advance(a, 5, 5<<20)
	advance(6 * time.Second)
	p.tick()
	p.Logf(b, "epoch %d", 3)
	advance(time.Second)
	p.Finished(a, &engine.ActionResult{Action: a, Status: engine.ResultSucceeded, Summary: "snapshot 19bc7d3e5a6f (10 files, 10485760 bytes)"})
	p.Finished(b, &engine.ActionResult{Action: b, Status: engine.ResultFailed, Err: errors.New("exit status 3")})
	// A held promotion quoting a gate's multi-line error_message.
	p.Started(c)
	p.Finished(c, &engine.ActionResult{Action: c, Status: engine.ResultSucceeded, Summary: "held: v2 stays out: quality\nbelow the floor"})

	got := out.String()
	wanttext.Check(t, got, []string{
		"dataset.big: snapshotting...\n",
		"model.m: training...\n",
		"dataset.big: 5/10 files, 5.0 MiB/10.0 MiB (50%), 853.3 KiB/s\n",
		"model.m: training, 6s elapsed\n",
		"model.m: epoch 3\n",
		"dataset.big: snapshot 19bc7d3e5a6f (10 files, 10485760 bytes) [7s]\n",
		"model.m: train failed after 7s: exit status 3\n",
		"promotion.p: promoting...\n",
		"promotion.p: held: v2 stays out: quality below the floor [0s]\n",
	}, nil)
	if strings.Contains(got, "\x1b") || strings.Contains(got, "\r") {
		t.Errorf("control characters in plain output:\n%q", got)
	}
}

func TestProgressLiveRedraws(t *testing.T) {
	var out syncbuf.Buffer
	p := New(&out, nil, time.Now)
	p.live = true
	a := &plans.Action{Kind: plans.KindSnapshot, Addr: "dataset.d", Snapshot: &plans.SnapshotChange{Files: 2, Bytes: 2048}}
	p.Started(a)
	p.Advance(a, 1, 1024)
	p.tick()
	p.Finished(a, &engine.ActionResult{Action: a, Status: engine.ResultSucceeded})
	got := out.String()
	if !strings.Contains(got, "dataset.d [==========>         ] 1/2 files, 1.0 KiB/2.0 KiB (50%)") || !strings.Contains(got, "\r\x1b[K") {
		t.Errorf("live output: %q", got)
	}
}

// TestProgressStageLines: actions that move no files report their stage,
// the elapsed time and, for a remote step, its queue state; never
// "0 files, 0 B, 0 B/s".
func TestProgressStageLines(t *testing.T) {
	start := time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		action  *plans.Action
		elapsed time.Duration
		want    string
	}{
		{"train", &plans.Action{Kind: plans.KindTrain, Addr: "model.m"}, 65 * time.Second, "training, 1m5s elapsed"},
		{"evaluate", &plans.Action{Kind: plans.KindEvaluate, Addr: "model.m"}, 2 * time.Second, "evaluating, 2s elapsed"},
		{"publish", &plans.Action{Kind: plans.KindPublish, Addr: "promotion.p"}, 0, "publishing, 0s elapsed"},
		{"stage reported", &plans.Action{Kind: plans.KindTrain, Addr: "model.m", Train: &plans.TrainChange{Version: 3}}, time.Second, "evaluating v2, 1s elapsed"},
		{"snapshot without totals", &plans.Action{Kind: plans.KindSnapshot, Addr: "dataset.d"}, 2 * time.Second, "1 file, 2.0 KiB, 1.0 KiB/s, 2s elapsed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := start
			p := New(&syncbuf.Buffer{}, nil, func() time.Time { return now })
			p.Started(tt.action)
			if tt.action.Train != nil {
				p.Stage(tt.action, "evaluating v2")
			}
			if tt.action.Kind == plans.KindSnapshot {
				p.Advance(tt.action, 1, 2048)
			}
			if got := p.running[tt.action].line(start.Add(tt.elapsed)); got != tt.want {
				t.Errorf("line = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestProgressSteps: a running train or evaluate step's periodic line is
// its stage and elapsed time, not a byte count it never has, and on a
// batch executor each queue state is a line of its own and the periodic
// line keeps the last one with how long the step has been in it.
func TestProgressSteps(t *testing.T) {
	start := time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		kind   string
		queue  []engine.QueueState // reported in order, before the tick
		after  time.Duration       // from start to the tick
		lines  []string            // in the output, in this order
		absent []string
	}{
		{"local train", plans.KindTrain, nil, 7 * time.Second,
			[]string{"model.m: training...\n", "model.m: training, 7s elapsed\n"},
			[]string{"files", " B/s"}},
		{"local evaluate", plans.KindEvaluate, nil, 65 * time.Second,
			[]string{"model.m: evaluating, 1m5s elapsed\n"}, []string{"files"}},
		{"pending", plans.KindTrain, []engine.QueueState{
			{Executor: "slurm", Progress: executor.Progress{JobID: "12", State: "PENDING", Reason: "Priority", Since: start.Add(time.Second)}},
		}, 41 * time.Second, []string{
			"model.m: slurm job 12 PENDING (Priority)\n",
			"model.m: training, 41s elapsed; slurm job 12 PENDING (Priority) for 40s\n",
		}, []string{"files"}},
		{"pending then running", plans.KindTrain, []engine.QueueState{
			{Executor: "slurm", Progress: executor.Progress{JobID: "12", State: "PENDING", Reason: "Resources", Since: start}},
			{Executor: "slurm", Progress: executor.Progress{JobID: "12", State: "RUNNING", Host: "node-3", Since: start.Add(20 * time.Second)}},
		}, 2 * time.Minute, []string{
			"model.m: slurm job 12 PENDING (Resources)\n",
			"model.m: slurm job 12 RUNNING on node-3\n",
			"model.m: training, 2m0s elapsed; slurm job 12 RUNNING on node-3 for 1m40s\n",
		}, []string{"PENDING (Resources) for"}},
		{"no reason, no time", plans.KindTrain, []engine.QueueState{
			{Executor: "slurm", Progress: executor.Progress{JobID: "7", State: "PENDING", Reason: "None"}},
		}, 6 * time.Second, []string{"model.m: training, 6s elapsed; slurm job 7 PENDING\n"}, []string{"(None)", " for "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out syncbuf.Buffer
			var mu sync.Mutex
			now := start
			clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
			p := New(&out, nil, clock)
			a := &plans.Action{Kind: tt.kind, Addr: "model.m"}
			p.Started(a)
			for _, q := range tt.queue {
				engine.ReportQueue(p, a, q)
			}
			mu.Lock()
			now = now.Add(tt.after)
			mu.Unlock()
			p.tick()
			got := out.String()
			rest := got
			for _, want := range tt.lines {
				i := strings.Index(rest, want)
				if i < 0 {
					t.Fatalf("missing %q (in order) in:\n%s", want, got)
				}
				rest = rest[i+len(want):]
			}
			for _, bad := range tt.absent {
				if strings.Contains(got, bad) {
					t.Errorf("%q in:\n%s", bad, got)
				}
			}
		})
	}
}

// TestObserveProgressTotals: the observer reports running totals; the
// line shows them as they are (a sum of totals reported 34.2 GiB for
// 800 MiB read) with the count of files in the right number.
func TestObserveProgressTotals(t *testing.T) {
	var out syncbuf.Buffer
	now := time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)
	o := NewObserve(&out)
	o.clock = func() time.Time { return now }
	o.Observed("dataset.big", 0, 0)
	for i := 1; i <= 100; i++ {
		now = now.Add(100 * time.Millisecond)
		o.Observed("dataset.big", 0, int64(i)*8<<20) // one large file, 8 MiB steps
	}
	o.Observed("dataset.small", 0, 0)
	now = now.Add(5 * time.Second)
	o.Observed("dataset.small", 1, 1024)
	got := out.String()
	wanttext.Check(t, got, []string{
		"dataset.big: observing, 0 files hashed (400.0 MiB, 80.0 MiB/s)\n",
		"dataset.big: observing, 0 files hashed (800.0 MiB, 80.0 MiB/s)\n",
		"dataset.small: observing, 1 file hashed (1.0 KiB, 204 B/s)\n",
	}, nil)
	if strings.Count(got, "\n") != 3 {
		t.Errorf("want one line per 5 s per dataset, got:\n%s", got)
	}
}
