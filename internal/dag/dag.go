// Package dag is mlform's one topological sort and one DAG walker. Sort
// orders configuration objects (config: evaluation order), declared
// objects (planner/engine.Graph) and plan actions (plans.ActionOrder: plan
// validation and apply): Kahn's algorithm over a ready set kept sorted by
// the caller's tie-break, so the same input always gives the same order,
// and a cycle is reported with every node caught in it and the path of one
// cycle. Walk runs the apply engine: nodes in parallel as their
// dependencies succeed, dependents of a failure skipped, a stop request
// honoured.
package dag

import (
	"fmt"
	"sort"
)

// CycleError says the nodes in Stuck could not be ordered: each depends,
// directly or through others in Stuck, on itself (or on a node that is not
// in the graph). Stuck keeps the input order.
type CycleError[K comparable] struct {
	Stuck []K
	// Cycle is one cycle among Stuck, as the path a user can follow to
	// break it: it starts and ends at the same node (a, b, a). It is the
	// first a depth-first search meets, starting from the least stuck node
	// and following dependencies least first, so the same graph always
	// names the same cycle. Nil when the stuck nodes only wait on nodes
	// missing from the graph.
	Cycle []K
}

func (e *CycleError[K]) Error() string {
	return fmt.Sprintf("dependency cycle between %d nodes", len(e.Stuck))
}

// Sort returns nodes ordered so that every node comes after the nodes deps
// returns for it. Among nodes whose dependencies are all placed, the least
// by less goes first. A dependency listed twice counts once; a node listed
// as its own dependency, or a dependency that is not among nodes, leaves the
// node unordered. When some nodes cannot be ordered Sort returns a
// *CycleError naming them.
func Sort[K comparable](nodes []K, deps func(K) []K, less func(a, b K) bool) ([]K, error) {
	indeg := make(map[K]int, len(nodes))
	users := make(map[K][]K, len(nodes))
	depsOf := make(map[K][]K, len(nodes)) // each dependency once
	for _, n := range nodes {
		indeg[n] += 0
		seen := map[K]bool{}
		for _, d := range deps(n) {
			if seen[d] {
				continue
			}
			seen[d] = true
			indeg[n]++
			users[d] = append(users[d], n)
			depsOf[n] = append(depsOf[n], d)
		}
	}
	var ready []K
	for _, n := range nodes {
		if indeg[n] == 0 {
			ready = append(ready, n)
		}
	}
	order := make([]K, 0, len(nodes))
	for len(ready) > 0 {
		sort.SliceStable(ready, func(i, j int) bool { return less(ready[i], ready[j]) })
		n := ready[0]
		ready = ready[1:]
		order = append(order, n)
		for _, u := range users[n] {
			indeg[u]--
			if indeg[u] == 0 {
				ready = append(ready, u)
			}
		}
	}
	if len(order) != len(nodes) {
		var stuck []K
		for _, n := range nodes {
			if indeg[n] > 0 {
				stuck = append(stuck, n)
			}
		}
		return nil, &CycleError[K]{Stuck: stuck, Cycle: findCycle(stuck, depsOf, less)}
	}
	return order, nil
}

// findCycle returns the first cycle a depth-first search over the stuck
// nodes meets (see CycleError.Cycle), or nil. Only stuck nodes can be on a
// cycle, and every stuck node either is on one or leads to one, unless it
// waits only on nodes outside the graph.
func findCycle[K comparable](stuck []K, depsOf map[K][]K, less func(a, b K) bool) []K {
	const (
		visiting = iota + 1
		done
	)
	inStuck := make(map[K]bool, len(stuck))
	for _, n := range stuck {
		inStuck[n] = true
	}
	byLess := func(ks []K) []K {
		out := make([]K, 0, len(ks))
		for _, k := range ks {
			if inStuck[k] {
				out = append(out, k)
			}
		}
		sort.SliceStable(out, func(i, j int) bool { return less(out[i], out[j]) })
		return out
	}
	state := make(map[K]int, len(stuck))
	var path []K
	var visit func(n K) []K
	visit = func(n K) []K {
		switch state[n] {
		case done:
			return nil
		case visiting:
			for i, p := range path {
				if p == n {
					return append(append([]K(nil), path[i:]...), n)
				}
			}
		}
		state[n] = visiting
		path = append(path, n)
		for _, d := range byLess(depsOf[n]) {
			if c := visit(d); c != nil {
				return c
			}
		}
		path = path[:len(path)-1]
		state[n] = done
		return nil
	}
	for _, n := range byLess(stuck) {
		if c := visit(n); c != nil {
			return c
		}
	}
	return nil
}
