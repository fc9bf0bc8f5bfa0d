package dag

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"testing"
)

func TestSort(t *testing.T) {
	byName := func(a, b string) bool { return a < b }
	tests := []struct {
		name  string
		nodes []string
		deps  map[string][]string
		want  []string
		stuck []string
		cycle []string
	}{
		{name: "empty", nodes: nil, want: []string{}},
		{name: "independent nodes by tie-break", nodes: []string{"c", "a", "b"}, want: []string{"a", "b", "c"}},
		{name: "dependencies first", nodes: []string{"a", "b", "c"},
			deps: map[string][]string{"a": {"c"}, "b": {"a"}}, want: []string{"c", "a", "b"}},
		{name: "duplicate dependency counts once", nodes: []string{"a", "b"},
			deps: map[string][]string{"b": {"a", "a"}}, want: []string{"a", "b"}},
		{name: "diamond", nodes: []string{"d", "b", "c", "a"},
			deps: map[string][]string{"b": {"a"}, "c": {"a"}, "d": {"b", "c"}}, want: []string{"a", "b", "c", "d"}},
		{name: "cycle", nodes: []string{"a", "b", "c"},
			deps: map[string][]string{"a": {"b"}, "b": {"a"}}, stuck: []string{"a", "b"}, cycle: []string{"a", "b", "a"}},
		{name: "self loop", nodes: []string{"a", "b"},
			deps: map[string][]string{"b": {"b"}}, stuck: []string{"b"}, cycle: []string{"b", "b"}},
		{name: "dependency outside the graph", nodes: []string{"a"},
			deps: map[string][]string{"a": {"x"}}, stuck: []string{"a"}, cycle: nil},
		{name: "downstream of a cycle is stuck", nodes: []string{"a", "b", "c"},
			deps: map[string][]string{"a": {"b"}, "b": {"a"}, "c": {"a"}}, stuck: []string{"a", "b", "c"}, cycle: []string{"a", "b", "a"}},
		{name: "path starts at the least stuck node", nodes: []string{"d", "c", "b", "a"},
			deps: map[string][]string{"a": {"c"}, "c": {"d"}, "d": {"c"}}, stuck: []string{"d", "c", "a"}, cycle: []string{"c", "d", "c"}},
		{name: "dependencies followed least first", nodes: []string{"a", "b", "c", "x"},
			deps: map[string][]string{"a": {"c", "b"}, "b": {"a"}, "c": {"a"}, "x": {"a"}}, stuck: []string{"a", "b", "c", "x"}, cycle: []string{"a", "b", "a"}},
		{name: "longer cycle, downstream entry", nodes: []string{"a", "b", "c", "d"},
			deps: map[string][]string{"a": {"b"}, "b": {"c"}, "c": {"d"}, "d": {"b"}}, stuck: []string{"a", "b", "c", "d"}, cycle: []string{"b", "c", "d", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Sort(tt.nodes, func(n string) []string { return tt.deps[n] }, byName)
			if tt.stuck != nil {
				var ce *CycleError[string]
				if !errors.As(err, &ce) {
					t.Fatalf("err = %v, want a CycleError", err)
				}
				if !reflect.DeepEqual(ce.Stuck, tt.stuck) {
					t.Fatalf("stuck = %v, want %v", ce.Stuck, tt.stuck)
				}
				if !reflect.DeepEqual(ce.Cycle, tt.cycle) {
					t.Fatalf("cycle = %v, want %v", ce.Cycle, tt.cycle)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("order = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSortTieBreakIsStableForEqualKeys(t *testing.T) {
	// less that orders nothing keeps input order (the plan's action order).
	nodes := []int{3, 1, 2}
	got, err := Sort(nodes, func(int) []int { return nil }, func(a, b int) bool { return false })
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, []int{3, 1, 2}) {
		t.Fatalf("order = %v", got)
	}
}

// sortReference is the definition Sort implements: Kahn's algorithm that
// stably sorts the whole ready set before placing each node.
func sortReference(nodes []int, deps func(int) []int, less func(a, b int) bool) []int {
	indeg, users := map[int]int{}, map[int][]int{}
	for _, n := range nodes {
		indeg[n] += 0
		for _, d := range deps(n) {
			indeg[n]++
			users[d] = append(users[d], n)
		}
	}
	var ready, order []int
	for _, n := range nodes {
		if indeg[n] == 0 {
			ready = append(ready, n)
		}
	}
	for len(ready) > 0 {
		sort.SliceStable(ready, func(i, j int) bool { return less(ready[i], ready[j]) })
		n := ready[0]
		ready = ready[1:]
		order = append(order, n)
		for _, u := range users[n] {
			if indeg[u]--; indeg[u] == 0 {
				ready = append(ready, u)
			}
		}
	}
	return order
}

// TestSortHeapOrder checks the heap gives exactly the order of a stable
// sort of the ready set, ties (equal by less) in the order they became
// ready, on random DAGs.
func TestSortHeapOrder(t *testing.T) {
	for seed := range uint64(50) {
		r := rand.New(rand.NewPCG(seed, 7))
		n := 1 + r.IntN(200)
		nodes := r.Perm(n)
		deps := map[int][]int{}
		for _, a := range nodes {
			for k := r.IntN(4); k > 0; k-- {
				if b := r.IntN(n); b < a { // edges from lower to higher: acyclic
					if !slices.Contains(deps[a], b) {
						deps[a] = append(deps[a], b)
					}
				}
			}
		}
		less := func(a, b int) bool { return a%7 < b%7 } // many ties
		got, err := Sort(nodes, func(x int) []int { return deps[x] }, less)
		if err != nil {
			t.Fatal(err)
		}
		if want := sortReference(nodes, func(x int) []int { return deps[x] }, less); !slices.Equal(got, want) {
			t.Fatalf("seed %d: got %v\nwant %v", seed, got, want)
		}
	}
}

// BenchmarkSort orders a fleet-shaped graph: n independent chains
// (dataset, model, promotion), all ready at once.
func BenchmarkSort(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			var nodes []string
			deps := map[string][]string{}
			for i := range n {
				d, m, p := fmt.Sprintf("dataset.d%d", i), fmt.Sprintf("model.m%d", i), fmt.Sprintf("promotion.p%d", i)
				nodes = append(nodes, d, m, p)
				deps[m], deps[p] = []string{d}, []string{m}
			}
			for b.Loop() {
				if _, err := Sort(nodes, func(x string) []string { return deps[x] }, func(a, b string) bool { return a < b }); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
