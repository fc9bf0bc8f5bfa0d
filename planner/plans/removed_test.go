package plans

import "testing"

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
