package plans

import "testing"

func TestShellArg(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"model.churn@3", "model.churn@3"},
		{`model.churn["eu"]@3`, `'model.churn["eu"]@3'`},
		{"dataset.s[0]", "'dataset.s[0]'"},
		{"model.a'b", `'model.a'\''b'`},
	} {
		if got := ShellArg(tc.in); got != tc.want {
			t.Errorf("ShellArg(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestRemovedMessage(t *testing.T) {
	for _, tc := range []struct {
		addr          string
		blockDeclared bool
		want          string
	}{
		{"model.churn", false, "no longer declared; its versions stay in state (mlform state rm model.churn forgets them)"},
		{`model.churn["us"]`, true, `no longer an instance (its key left for_each, or count shrank); its versions stay in state (mlform state rm 'model.churn["us"]' forgets them)`},
		{`model.churn["us"]`, false, `no longer declared; its versions stay in state (mlform state rm 'model.churn["us"]' forgets them)`},
	} {
		if got := RemovedMessage(tc.addr, "its versions", tc.blockDeclared); got != tc.want {
			t.Errorf("RemovedMessage(%s, %v) =\n%s\nwant\n%s", tc.addr, tc.blockDeclared, got, tc.want)
		}
	}
}
