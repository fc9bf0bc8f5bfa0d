package textfmt

import (
	"fmt"
	"strings"
	"testing"
)

func TestNames(t *testing.T) {
	many := make([]string, 25)
	for i := range many {
		many[i] = fmt.Sprintf("model.m[%d]", i)
	}
	for _, tt := range []struct {
		names []string
		want  string
	}{
		{nil, ""},
		{[]string{"a", "b"}, "a, b"},
		{many[:20], strings.Join(many[:20], ", ")},
		{many, strings.Join(many[:20], ", ") + " and 5 more"},
	} {
		if got := Names(tt.names, MaxNames); got != tt.want {
			t.Errorf("Names(%d names) = %q, want %q", len(tt.names), got, tt.want)
		}
	}
}

func TestChain(t *testing.T) {
	cycle := make([]string, 31)
	for i := range 30 {
		cycle[i] = fmt.Sprintf("local.a%d", i)
	}
	cycle[30] = cycle[0]
	for _, tt := range []struct {
		steps []string
		want  string
	}{
		{nil, ""},
		{[]string{"local.a", "local.b", "local.a"}, "local.a -> local.b -> local.a"},
		{cycle[:21], strings.Join(cycle[:21], " -> ")},
		{cycle, strings.Join(cycle[:20], " -> ") + " -> … 10 more … -> local.a0"},
	} {
		if got := Chain(tt.steps, MaxNames); got != tt.want {
			t.Errorf("Chain(%d steps) = %q, want %q", len(tt.steps), got, tt.want)
		}
	}
}
