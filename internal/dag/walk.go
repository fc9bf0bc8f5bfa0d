package dag

import "context"

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

	// blocked returns ready when every dependency succeeded, or the first
	// dependency that ended otherwise.
	blocked := func(k K) (ready bool, blocker *K) {
		for _, d := range deps(k) {
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

	for {
		if !stopped {
			select {
			case <-stop:
				stopped, stop = true, nil
			default:
			}
		}
		for progressed := true; progressed; {
			progressed = false
			for _, k := range order {
				if outcomes[k] != nil {
					continue
				}
				ready, b := blocked(k)
				if b != nil {
					outcomes[k] = &Outcome[K]{Status: Skipped, Blocker: *b, BlockerStatus: outcomes[*b].Status}
					progressed = true
					continue
				}
				if !ready || stopped || running >= parallel || ctx.Err() != nil {
					continue
				}
				outcomes[k] = &Outcome[K]{Status: inFlight}
				running++
				if v.Started != nil {
					v.Started(k)
				}
				go func(k K) {
					err := v.Visit(ctx, k)
					doneCh <- done{k, err}
				}(k)
				progressed = true
			}
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
