package envname

import (
	"strings"
	"testing"
)

func TestValid(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"TOKEN", true},
		{"_x9", true},
		{"a", true},
		{strings.Repeat("A", MaxLen), true},
		{"", false},
		{"9LIVES", false},
		{"MY.VAR", false},
		{"MY VAR", false},
		{"MY-VAR", false},
		{"A=B", false},
		{"ÜBER", false},
		{strings.Repeat("A", MaxLen+1), false},
	}
	for _, tt := range tests {
		if got := Valid(tt.name); got != tt.want {
			t.Errorf("Valid(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
}
