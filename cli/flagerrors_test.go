package cli

import (
	"bytes"
	"strings"
	"testing"
)

func TestUnknownFlagErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"plan", "-foo"}, "Error: unknown flag: -foo (mlform plan --help lists its flags)"},
		{[]string{"plan", "-foo=1"}, "Error: unknown flag: -foo (mlform plan --help lists its flags)"},
		{[]string{"plan", "--foo"}, "Error: unknown flag: --foo (mlform plan --help lists its flags)"},
		{[]string{"state", "list", "-x"}, "Error: unknown flag: -x (mlform state list --help lists its flags)"},
		{[]string{"state", "list", "-xyz"}, "Error: unknown flag: -xyz (mlform state list --help lists its flags)"},
		{[]string{"plan", "-json=maybe"}, `invalid argument "maybe" for "--json" flag`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out, errb bytes.Buffer
			g := &Globals{Stdout: &out, Stderr: &errb, Stdin: strings.NewReader(""), Getenv: func(string) string { return "" }}
			if code := Run(g, tt.args); code != 1 {
				t.Errorf("exit %d, want 1", code)
			}
			if !strings.Contains(errb.String(), tt.want) {
				t.Errorf("stderr = %q, want %q", errb.String(), tt.want)
			}
		})
	}
}
