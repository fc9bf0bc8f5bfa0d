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
		// A long flag of another command, typed with one dash as Terraform
		// users type every flag, is named as typed.
		{[]string{"state", "list", "-json"}, "Error: unknown flag: -json (mlform state list --help lists its flags)"},
		{[]string{"state", "list", "-json=true"}, "Error: unknown flag: -json (mlform state list --help lists its flags)"},
		{[]string{"state", "list", "--json"}, "Error: unknown flag: --json (mlform state list --help lists its flags)"},
		// A bad value names the flag as typed and what it takes, not the
		// parser (strconv.ParseBool: parsing "maybe": invalid syntax).
		{[]string{"plan", "-json=maybe"}, "Error: -json=maybe: want true or false\n"},
		{[]string{"apply", "--auto-approve=2"}, "Error: -auto-approve=2: want true or false\n"},
		{[]string{"plan", "-parallelism=abc"}, "Error: -parallelism=abc: want a whole number\n"},
		{[]string{"plan", "-parallelism", "99999999999999999999"}, "Error: -parallelism=99999999999999999999: out of range\n"},
		{[]string{"plan", "-lock-timeout=abc"}, "Error: -lock-timeout=abc: want a duration such as 30s, 5m or 1h30m\n"},
		{[]string{"plan", "-lock-timeout=5"}, "Error: -lock-timeout=5: want a duration such as 30s, 5m or 1h30m\n"},
		// A flag given last without its value.
		{[]string{"plan", "-target"}, "Error: -target needs a value: -target=ADDR (mlform plan --help lists its flags)\n"},
		{[]string{"plan", "--out"}, "Error: -out needs a value: -out=FILE (mlform plan --help lists its flags)\n"},
		{[]string{"-chdir"}, "Error: -chdir needs a value: -chdir=DIR (mlform --help lists its flags)\n"},
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
