// Package dag is mlform's one topological sort and one DAG walker. Sort
// orders declared objects (planner/engine.Graph) and plan actions
// (plans.ActionOrder: plan validation and apply): Kahn's algorithm over a
// ready set kept sorted by the caller's tie-break, so the same input always
// gives the same order, and a cycle is reported with every node caught in
// it. Walk runs the apply engine: nodes in parallel as their dependencies
// succeed, dependents of a failure skipped, a stop request honoured.
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
		return nil, &CycleError[K]{Stuck: stuck}
	}
	return order, nil
}
