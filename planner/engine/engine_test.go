package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mlform/mlform/planner/plans"
	"github.com/mlform/mlform/state"
)

// recordingWriter counts writes and remembers which datasets each write saw.
type recordingWriter struct {
	mu     sync.Mutex
	writes []int
	fail   bool
}

func (w *recordingWriter) Write(ctx context.Context, s *state.State) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.fail {
		return errors.New("backend down")
	}
	w.writes = append(w.writes, len(s.Datasets))
	return nil
}

func act(kind, addr string, deps ...string) *plans.Action {
	return &plans.Action{Kind: kind, Addr: addr, DependsOn: deps, Reasons: []plans.Reason{{Code: plans.ReasonNew}}}
}

func newState() *state.State {
	return &state.State{Datasets: map[string]*state.Dataset{}, Models: map[string]*state.Model{}}
}

// recordRunner records a dataset in state for every action it runs, and
// fails or blocks per address.
type recordRunner struct {
	mu       sync.Mutex
	started  []string
	fail     map[string]bool
	block    map[string]chan struct{}
	active   int32
	maxSeen  int32
	finished []string
	// overlap > 0: every action waits (up to 10s) until that many
	// ran at once, so a test of parallelism waits on the overlap it
	// checks instead of hoping a sleep lets it happen.
	overlap    int32
	overlapped chan struct{}
	once       sync.Once
}

func (r *recordRunner) Run(ctx context.Context, rc *RunContext, a *plans.Action) error {
	n := atomic.AddInt32(&r.active, 1)
	defer atomic.AddInt32(&r.active, -1)
	for {
		m := atomic.LoadInt32(&r.maxSeen)
		if n <= m || atomic.CompareAndSwapInt32(&r.maxSeen, m, n) {
			break
		}
	}
	if r.overlap > 0 && n >= r.overlap {
		r.once.Do(func() { close(r.overlapped) })
	}
	r.mu.Lock()
	r.started = append(r.started, a.Addr)
	ch := r.block[a.Addr]
	r.mu.Unlock()
	if ch != nil {
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	} else if r.overlap > 0 {
		select {
		case <-r.overlapped:
		case <-time.After(10 * time.Second):
			// Not reached: the check after Run reports it; nobody
			// waits again.
			r.once.Do(func() { close(r.overlapped) })
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if r.fail[a.Addr] {
		return fmt.Errorf("boom in %s", a.Addr)
	}
	r.mu.Lock()
	r.finished = append(r.finished, a.Addr)
	r.mu.Unlock()
	return rc.UpdateState(ctx, func(s *state.State) error {
		s.Datasets[a.Addr] = &state.Dataset{Name: plans.AddrName(a.Addr)}
		return nil
	})
}

func statuses(res *Result) map[string]string {
	m := map[string]string{}
	for _, r := range res.Actions {
		m[r.Action.Addr] = r.Status
	}
	return m
}

func TestEngineOrderAndFailure(t *testing.T) {
	tests := []struct {
		name    string
		actions []*plans.Action
		fail    map[string]bool
		want    map[string]string
	}{
		{
			name:    "all succeed",
			actions: []*plans.Action{act(plans.KindTrain, "model.m", "dataset.a", "dataset.b"), act(plans.KindSnapshot, "dataset.a"), act(plans.KindSnapshot, "dataset.b")},
			want:    map[string]string{"dataset.a": ResultSucceeded, "dataset.b": ResultSucceeded, "model.m": ResultSucceeded},
		},
		{
			name:    "failed dependency skips dependents only",
			actions: []*plans.Action{act(plans.KindSnapshot, "dataset.a"), act(plans.KindSnapshot, "dataset.b"), act(plans.KindTrain, "model.m", "dataset.a"), act(plans.KindPromote, "promotion.p", "model.m"), act(plans.KindTrain, "model.n", "dataset.b")},
			fail:    map[string]bool{"dataset.a": true},
			want: map[string]string{"dataset.a": ResultFailed, "dataset.b": ResultSucceeded, "model.m": ResultSkipped,
				"promotion.p": ResultSkipped, "model.n": ResultSucceeded},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rr := &recordRunner{fail: tt.fail}
			e := &Engine{Runners: map[string]ActionRunner{plans.KindSnapshot: rr, plans.KindTrain: rr, plans.KindPromote: rr}, Parallelism: 2}
			w := &recordingWriter{}
			st := newState()
			res, err := e.Run(context.Background(), nil, nil, &plans.Plan{Actions: tt.actions}, st, w)
			if err != nil {
				t.Fatal(err)
			}
			got := statuses(res)
			for addr, want := range tt.want {
				if got[addr] != want {
					t.Errorf("%s: %s, want %s", addr, got[addr], want)
				}
			}
			// Dependencies always finish before their users start.
			pos := map[string]int{}
			for i, a := range rr.started {
				pos[a] = i
			}
			for _, a := range tt.actions {
				for _, d := range a.DependsOn {
					if _, ran := pos[a.Addr]; ran && pos[d] > pos[a.Addr] {
						t.Errorf("%s started before its dependency %s", a.Addr, d)
					}
				}
			}
			// State was written once per successful action, growing each time.
			succeeded := 0
			for _, s := range got {
				if s == ResultSucceeded {
					succeeded++
				}
			}
			if len(w.writes) != succeeded || len(st.Datasets) != succeeded {
				t.Errorf("writes %v, state has %d, want %d", w.writes, len(st.Datasets), succeeded)
			}
			if res.Failed() != (len(tt.fail) > 0) {
				t.Errorf("Failed() = %v", res.Failed())
			}
			if len(tt.fail) > 0 && !strings.Contains(res.Errors().Error(), "boom") {
				t.Errorf("Errors() = %v", res.Errors())
			}
		})
	}
}

func TestEngineParallelism(t *testing.T) {
	for _, par := range []int{1, 3} {
		rr := &recordRunner{}
		if par > 1 {
			rr.overlap, rr.overlapped = int32(par), make(chan struct{})
		}
		var actions []*plans.Action
		for i := 0; i < 8; i++ {
			actions = append(actions, act(plans.KindSnapshot, fmt.Sprintf("dataset.d%d", i)))
		}
		e := &Engine{Runners: map[string]ActionRunner{plans.KindSnapshot: rr}, Parallelism: par}
		if _, err := e.Run(context.Background(), nil, nil, &plans.Plan{Actions: actions}, newState(), nil); err != nil {
			t.Fatal(err)
		}
		if rr.maxSeen > int32(par) {
			t.Errorf("parallelism %d: %d actions ran at once", par, rr.maxSeen)
		}
		if par > 1 && rr.maxSeen < int32(par) {
			t.Errorf("parallelism %d: at most %d actions ran at once", par, rr.maxSeen)
		}
	}
}

func TestEngineStopFinishesRunning(t *testing.T) {
	release := make(chan struct{})
	rr := &recordRunner{block: map[string]chan struct{}{"dataset.a": release}}
	e := &Engine{Runners: map[string]ActionRunner{plans.KindSnapshot: rr, plans.KindTrain: rr}, Parallelism: 1}
	stop := make(chan struct{})
	st := newState()
	done := make(chan *Result)
	go func() {
		res, _ := e.Run(context.Background(), stop, nil, &plans.Plan{Actions: []*plans.Action{act(plans.KindSnapshot, "dataset.a"), act(plans.KindSnapshot, "dataset.b"), act(plans.KindTrain, "model.m", "dataset.a")}}, st, nil)
		done <- res
	}()
	waitFor(t, func() bool { rr.mu.Lock(); defer rr.mu.Unlock(); return len(rr.started) == 1 })
	close(stop)
	close(release)
	res := <-done
	got := statuses(res)
	want := map[string]string{"dataset.a": ResultSucceeded, "dataset.b": ResultNotStarted, "model.m": ResultNotStarted}
	for a, w := range want {
		if got[a] != w {
			t.Errorf("%s: %s, want %s", a, got[a], w)
		}
	}
	if !res.Interrupted || st.Datasets["dataset.a"] == nil {
		t.Errorf("interrupted=%v, state %v", res.Interrupted, st.Datasets)
	}
}

func TestEngineCancelStopsRunning(t *testing.T) {
	rr := &recordRunner{block: map[string]chan struct{}{"dataset.a": make(chan struct{})}}
	e := &Engine{Runners: map[string]ActionRunner{plans.KindSnapshot: rr}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan *Result)
	go func() {
		res, _ := e.Run(ctx, nil, nil, &plans.Plan{Actions: []*plans.Action{act(plans.KindSnapshot, "dataset.a")}}, newState(), nil)
		done <- res
	}()
	waitFor(t, func() bool { rr.mu.Lock(); defer rr.mu.Unlock(); return len(rr.started) == 1 })
	cancel()
	select {
	case res := <-done:
		if got := statuses(res)["dataset.a"]; got != ResultFailed {
			t.Errorf("status %s, want failed", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("cancel did not stop the running action")
	}
}

// A second Ctrl-C cancels a running train whose step reports it in its
// own words ("v1 cancelled"): the action was cancelled, not failed, and
// what waited for it did not start because of the interrupt. A failure
// before the interrupt still skips its dependents.
func TestEngineCancelInterruptsDependents(t *testing.T) {
	started := make(chan struct{})
	train := RunnerFunc(func(ctx context.Context, rc *RunContext, a *plans.Action) error {
		if a.Addr == "model.bad" {
			return errors.New("v1 failed: train command exited with status 1")
		}
		close(started)
		<-ctx.Done()
		return errors.New("v1 cancelled (output: mlform lineage -logs model.m@1)")
	})
	rr := &recordRunner{}
	e := &Engine{Runners: map[string]ActionRunner{plans.KindTrain: train, plans.KindPromote: rr}, Parallelism: 1}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan *Result)
	go func() {
		res, _ := e.Run(ctx, nil, nil, &plans.Plan{Actions: []*plans.Action{
			act(plans.KindTrain, "model.bad"), act(plans.KindPromote, "promotion.bad", "model.bad"),
			act(plans.KindTrain, "model.m"), act(plans.KindPromote, "promotion.p", "model.m"),
		}}, newState(), nil)
		done <- res
	}()
	<-started
	cancel()
	res := <-done
	got := statuses(res)
	want := map[string]string{"model.bad": ResultFailed, "promotion.bad": ResultSkipped, "model.m": ResultFailed, "promotion.p": ResultNotStarted}
	for a, w := range want {
		if got[a] != w {
			t.Errorf("%s: %s, want %s", a, got[a], w)
		}
	}
	for _, r := range res.Actions {
		if cancelled := errors.Is(r.Err, context.Canceled); cancelled != (r.Action.Addr == "model.m") {
			t.Errorf("%s: error %v, wraps context.Canceled: %v", r.Action.Addr, r.Err, cancelled)
		}
	}
	if !res.Interrupted {
		t.Error("not marked interrupted")
	}
}

func TestEnginePanicAndMissingRunner(t *testing.T) {
	panicky := RunnerFunc(func(ctx context.Context, rc *RunContext, a *plans.Action) error { panic("oops") })
	e := &Engine{Runners: map[string]ActionRunner{plans.KindSnapshot: panicky}}
	res, err := e.Run(context.Background(), nil, nil, &plans.Plan{Actions: []*plans.Action{act(plans.KindSnapshot, "dataset.a")}}, newState(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if r := res.Actions[0]; r.Status != ResultFailed || !strings.Contains(r.Err.Error(), "panic") {
		t.Errorf("got %s %v", r.Status, r.Err)
	}
	_, err = e.Run(context.Background(), nil, nil, &plans.Plan{Actions: []*plans.Action{act(plans.KindTrain, "model.m")}}, newState(), nil)
	if err == nil || !strings.Contains(err.Error(), `cannot apply "train" actions`) {
		t.Errorf("missing runner: %v", err)
	}
}

func TestUpdateStatePersistFailure(t *testing.T) {
	rr := &recordRunner{}
	e := &Engine{Runners: map[string]ActionRunner{plans.KindSnapshot: rr}}
	res, err := e.Run(context.Background(), nil, nil, &plans.Plan{Actions: []*plans.Action{act(plans.KindSnapshot, "dataset.a")}}, newState(), &recordingWriter{fail: true})
	if err != nil {
		t.Fatal(err)
	}
	if r := res.Actions[0]; r.Status != ResultFailed || !strings.Contains(r.Err.Error(), "persist state: backend down") {
		t.Errorf("got %s %v", r.Status, r.Err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(time.Millisecond)
	}
}
