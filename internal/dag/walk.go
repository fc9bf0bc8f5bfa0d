package dag

import (
	"container/heap"
	"context"
)

// Status is how a node's part in a walk ended.
type Status int

// Node statuses after Walk.
const (
	// NotStarted: the walk was stopped, or its context ended, before the
	// node could start.
	NotStarted Status = iota
	// Succeeded: Visit returned nil.
	Succeeded
	// Failed: Visit returned an error (Outcome.Err).
	Failed
	// Skipped: a dependency did not succeed (Outcome.Blocker).
	Skipped
	inFlight // inside Walk only; never returned
)

// Outcome is how one node ended.
type Outcome[K comparable] struct {
	Status Status
	// Err is what Visit returned (Failed).
	Err error
	// Blocker is the first dependency, in deps order, that did not
	// succeed, and BlockerStatus how it ended (Skipped).
	Blocker       K
	BlockerStatus Status
}

// Visitor is what Walk calls. Visit runs in a goroutine of its own (up to
// the walk's parallelism at once); Started and Done run on the walking
// goroutine, one at a time, so they may update the caller's bookkeeping
// without a lock.
type Visitor[K comparable] struct {
	Visit func(ctx context.Context, k K) error
	// Started, if set, is called just before a node's Visit starts.
	Started func(k K)
	// Done, if set, is called once Visit has returned err.
	Done func(k K, err error)
}

// Walk visits the nodes of order (dependencies first, as Sort returns
// them) with up to parallel (at least 1) running at once. A node starts once
// every dependency deps lists has succeeded; when one failed or was skipped
// the node is Skipped without being visited. Closing stop starts nothing
// new (running nodes finish) and makes stopped true; once ctx is done
// nothing new starts either (Visit gets ctx and should return promptly).
// Walk returns when nothing runs any more, with every node's outcome.
func Walk[K comparable](ctx context.Context, stop <-chan struct{}, order []K, deps func(K) []K, parallel int, v Visitor[K]) (outcomes map[K]*Outcome[K], stopped bool) {
	parallel = max(parallel, 1)
	outcomes = make(map[K]*Outcome[K], len(order))
	type done struct {
		k   K
		err error
	}
	doneCh := make(chan done)
	running := 0

	// Each node's deps are asked for once, and a node is looked at again
	// only when one of its dependencies ends: rescanning every node after
	// each completion made a walk of N nodes cost N^2 (a 1,000-model apply
	// spent a fifth of its CPU there).
	index := make(map[K]int, len(order))
	for i, k := range order {
		index[k] = i
	}
	depsOf := make([][]K, len(order))
	dependents := make([][]int, len(order))
	for i, k := range order {
		depsOf[i] = deps(k)
		for _, d := range depsOf[i] {
			if j, ok := index[d]; ok {
				dependents[j] = append(dependents[j], i)
			}
		}
	}

	// blocked returns ready when every dependency succeeded, or the first
	// dependency that ended otherwise.
	blocked := func(i int) (ready bool, blocker *K) {
		for _, d := range depsOf[i] {
			o := outcomes[d]
			if o == nil || o.Status == inFlight {
				return false, nil
			}
			if o.Status != Succeeded {
				return false, &d
			}
		}
		return true, nil
	}
	// ready holds, lowest first, the positions in order of the nodes that
	// may start: nodes start in order, as many as parallel allows.
	ready := &intHeap{}
	queued := make([]bool, len(order))
	// settle looks at the nodes of work again: a node whose dependency did
	// not succeed is Skipped (and its dependents looked at in turn), one
	// whose dependencies all succeeded is queued to start.
	settle := func(work []int) {
		for len(work) > 0 {
			i := work[len(work)-1]
			work = work[:len(work)-1]
			k := order[i]
			if outcomes[k] != nil || queued[i] {
				continue
			}
			ok, b := blocked(i)
			switch {
			case b != nil:
				outcomes[k] = &Outcome[K]{Status: Skipped, Blocker: *b, BlockerStatus: outcomes[*b].Status}
				work = append(work, dependents[i]...)
			case ok:
				queued[i] = true
				heap.Push(ready, i)
			}
		}
	}
	all := make([]int, len(order))
	for i := range order {
		all[i] = len(order) - 1 - i
	}
	settle(all)

	for {
		if !stopped {
			select {
			case <-stop:
				stopped, stop = true, nil
			default:
			}
		}
		for ready.Len() > 0 && !stopped && running < parallel && ctx.Err() == nil {
			i := heap.Pop(ready).(int)
			queued[i] = false
			k := order[i]
			outcomes[k] = &Outcome[K]{Status: inFlight}
			running++
			if v.Started != nil {
				v.Started(k)
			}
			go func(k K) {
				err := v.Visit(ctx, k)
				doneCh <- done{k, err}
			}(k)
		}
		if running == 0 {
			break
		}
		select {
		case d := <-doneCh:
			running--
			o := outcomes[d.k]
			o.Status, o.Err = Succeeded, d.err
			if d.err != nil {
				o.Status = Failed
			}
			if v.Done != nil {
				v.Done(d.k, d.err)
			}
			settle(append([]int(nil), dependents[index[d.k]]...))
		case <-stop:
			stopped, stop = true, nil
		}
	}
	for _, k := range order {
		if outcomes[k] == nil {
			outcomes[k] = &Outcome[K]{Status: NotStarted}
		}
	}
	return outcomes, stopped
}

// intHeap is a min-heap of positions (container/heap).
type intHeap []int

func (h intHeap) Len() int           { return len(h) }
func (h intHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h intHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *intHeap) Push(x any)        { *h = append(*h, x.(int)) }
func (h *intHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
