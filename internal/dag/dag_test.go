package dag

import (
	"errors"
	"reflect"
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
