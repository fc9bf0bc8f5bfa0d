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
