package cli

import (
	"reflect"
	"testing"
)

func TestNormalizeArgs(t *testing.T) {
	g := &Globals{Getenv: func(string) string { return "" }}
	root := NewRootCommand(g)
	tests := []struct {
		name string
		in   []string
		want []string
	}{
		{"single dash with value", []string{"-chdir=dir", "validate"}, []string{"--chdir=dir", "validate"}},
		{"single dash bool", []string{"-no-color", "version"}, []string{"--no-color", "version"}},
		{"double dash untouched", []string{"--chdir", "x", "version"}, []string{"--chdir", "x", "version"}},
		{"unknown name untouched", []string{"-zz", "version"}, []string{"-zz", "version"}},
		{"help", []string{"-help"}, []string{"--help"}},
		{"shorthand untouched", []string{"-h"}, []string{"-h"}},
		{"after terminator untouched", []string{"version", "--", "-chdir=x"}, []string{"version", "--", "-chdir=x"}},
		{"negative number untouched", []string{"-1"}, []string{"-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := NormalizeArgs(root, tt.in)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("NormalizeArgs(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
