package dag

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestWalk(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name    string
		order   []string
		deps    map[string][]string
		fail    map[string]bool
		want    map[string]Status
		blocker map[string]string
	}{
		{name: "chain succeeds", order: []string{"a", "b", "c"}, deps: map[string][]string{"b": {"a"}, "c": {"b"}},
			want: map[string]Status{"a": Succeeded, "b": Succeeded, "c": Succeeded}},
		{name: "failure skips dependents transitively", order: []string{"a", "b", "c", "d"},
			deps: map[string][]string{"b": {"a"}, "c": {"b"}}, fail: map[string]bool{"a": true},
			want:    map[string]Status{"a": Failed, "b": Skipped, "c": Skipped, "d": Succeeded},
			blocker: map[string]string{"b": "a", "c": "b"}},
		{name: "first failed dependency is the blocker", order: []string{"a", "b", "c"},
			deps: map[string][]string{"c": {"a", "b"}}, fail: map[string]bool{"b": true},
			want: map[string]Status{"a": Succeeded, "b": Failed, "c": Skipped}, blocker: map[string]string{"c": "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var visited []string
			var done []string
			out, stopped := Walk(context.Background(), nil, tt.order, func(k string) []string { return tt.deps[k] }, 2, Visitor[string]{
				Visit: func(_ context.Context, k string) error {
					mu.Lock()
					visited = append(visited, k)
					mu.Unlock()
					if tt.fail[k] {
						return boom
					}
					return nil
				},
				Done: func(k string, err error) { done = append(done, k) },
			})
			if stopped {
				t.Fatal("stopped without a stop request")
			}
			for k, want := range tt.want {
				if got := out[k].Status; got != want {
					t.Errorf("%s: status %v, want %v", k, got, want)
				}
				if want == Failed && !errors.Is(out[k].Err, boom) {
					t.Errorf("%s: err %v", k, out[k].Err)
				}
				if b, ok := tt.blocker[k]; ok && out[k].Blocker != b {
					t.Errorf("%s: blocker %q, want %q", k, out[k].Blocker, b)
				}
			}
			if len(done) != len(visited) {
				t.Errorf("Done called %d times for %d visits", len(done), len(visited))
			}
		})
	}
}

// A stop request lets the running node finish and starts nothing else.
func TestWalkStop(t *testing.T) {
	stop := make(chan struct{})
	started := make(chan struct{})
	release := make(chan struct{})
	go func() {
		<-started
		close(stop)
		close(release)
	}()
	out, stopped := Walk(context.Background(), stop, []string{"a", "b"}, func(string) []string { return nil }, 1, Visitor[string]{
		Visit: func(_ context.Context, k string) error {
			if k == "a" {
				close(started)
				<-release
			}
			return nil
		},
	})
	if !stopped {
		t.Fatal("stopped = false")
	}
	if out["a"].Status != Succeeded || out["b"].Status != NotStarted {
		t.Fatalf("a %v, b %v; want a succeeded, b not started", out["a"].Status, out["b"].Status)
	}
}

// Parallelism bounds how many visits run at once.
func TestWalkParallelism(t *testing.T) {
	const par = 2
	var mu sync.Mutex
	cur, peak := 0, 0
	order := []int{1, 2, 3, 4, 5, 6}
	gate := make(chan struct{})
	var once sync.Once
	out, _ := Walk(context.Background(), nil, order, func(int) []int { return nil }, par, Visitor[int]{
		Visit: func(_ context.Context, k int) error {
			mu.Lock()
			cur++
			peak = max(peak, cur)
			full := cur == par
			mu.Unlock()
			if full {
				once.Do(func() { close(gate) })
			}
			<-gate // the first visits wait until par run together
			mu.Lock()
			cur--
			mu.Unlock()
			return nil
		},
	})
	if peak != par {
		t.Fatalf("peak parallelism %d, want %d", peak, par)
	}
	for _, k := range order {
		if out[k].Status != Succeeded {
			t.Fatalf("%d: %v", k, out[k].Status)
		}
	}
}

// A cancelled context starts nothing.
func TestWalkCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	out, stopped := Walk(ctx, nil, []string{"a"}, func(string) []string { return nil }, 1, Visitor[string]{
		Visit: func(context.Context, string) error { t.Error("visited after cancel"); return nil },
	})
	if stopped || out["a"].Status != NotStarted {
		t.Fatalf("stopped %v, a %v", stopped, out["a"].Status)
	}
}

// TestWalkStartsInOrder: of the nodes that may start, the first in order
// starts first.
func TestWalkStartsInOrder(t *testing.T) {
	order := []string{"a", "b", "c", "d", "e", "f"}
	deps := map[string][]string{"c": {"a"}, "d": {"b"}, "f": {"e", "c"}}
	var started []string
	Walk(context.Background(), nil, order, func(k string) []string { return deps[k] }, 1, Visitor[string]{
		Visit:   func(context.Context, string) error { return nil },
		Started: func(k string) { started = append(started, k) },
	})
	if got := strings.Join(started, ","); got != "a,b,c,d,e,f" {
		t.Fatalf("started %s, want a,b,c,d,e,f", got)
	}
}

// BenchmarkWalkFleet walks a 1,000-model fleet's apply: per model a
// snapshot, a train after it and a promotion after that. The time per
// node must not grow with the fleet.
func BenchmarkWalkFleet(b *testing.B) {
	var order []string
	deps := map[string][]string{}
	for i := range 1000 {
		d, m, p := fmt.Sprintf("dataset.d%d", i), fmt.Sprintf("model.m%d", i), fmt.Sprintf("promotion.p%d", i)
		order = append(order, d, m, p)
		deps[m], deps[p] = []string{d}, []string{m}
	}
	for b.Loop() {
		Walk(context.Background(), nil, order, func(k string) []string { return deps[k] }, 4, Visitor[string]{
			Visit: func(context.Context, string) error { return nil },
		})
	}
}
