package policy

import (
	"testing"

	"github.com/mlform/mlform/state"
)

func TestCodeChangeMessage(t *testing.T) {
	const k1, k2 = "0123456789abcdef", "fedcba9876543210"
	tree := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name      string
		prev, cur map[string]string
		files     int
		want      string
	}{
		{"one changed", tree("train.py", k1, "util.py", k1), tree("train.py", k2, "util.py", k1), 2,
			"code changed (2 files, aaaa -> bbbb): train.py"},
		{"added and removed", tree("a.py", k1, "old.py", k1), tree("a.py", k1, "new.py", k2), 2,
			"code changed (2 files, aaaa -> bbbb): new.py (added), old.py (removed)"},
		{"four are all named", tree("a", k1, "b", k1, "c", k1, "d", k1), tree("a", k2, "b", k2, "c", k2, "d", k2), 4,
			"code changed (4 files, aaaa -> bbbb): a, b, c, d"},
		{"five: three and 2 more", tree("a", k1, "b", k1, "c", k1, "d", k1, "e", k1), tree("a", k2, "b", k2, "c", k2, "d", k2, "e", k2), 5,
			"code changed (5 files, aaaa -> bbbb): a, b, c and 2 more"},
		{"previous version has no listing", nil, tree("a", k1), 1,
			"code changed (1 file, aaaa -> bbbb)"},
		{"tree too large to list", tree("a", k1), nil, 1500,
			"code changed (1500 files, aaaa -> bbbb)"},
		{"mode-only change is a change", tree("run.sh", k1), tree("run.sh", k2), 1,
			"code changed (1 file, aaaa -> bbbb): run.sh"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prev := state.Inputs{CodeHash: "aaaa", CodeTree: tt.prev}
			cur := state.Inputs{CodeHash: "bbbb", CodeTree: tt.cur, CodeFiles: tt.files}
			if got := codeChangeMessage(prev, cur); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
			cs := DiffInputs(prev, cur)
			if len(cs) != 1 || cs[0].Message != tt.want {
				t.Errorf("DiffInputs = %+v", cs)
			}
		})
	}
}
