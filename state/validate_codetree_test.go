package state_test

import (
	"fmt"
	"testing"

	"github.com/mlform/mlform/internal/wanterr"
	"github.com/mlform/mlform/state"
	"github.com/mlform/mlform/state/statesample"
)

// TestCodeTreeValidation: a version's code listing, read from an untrusted
// state, holds only clean relative paths (they are printed in plans) with
// 16-hex-digit keys, and at most 1000 of them.
func TestCodeTreeValidation(t *testing.T) {
	big := map[string]string{}
	for i := 0; i <= 1000; i++ {
		big[fmt.Sprintf("f%04d.py", i)] = "0123456789abcdef"
	}
	tests := []struct {
		name string
		tree map[string]string
		want string // "" = valid
	}{
		{"none", nil, ""},
		{"good", map[string]string{"trainer/train.py": "0123456789abcdef"}, ""},
		{"escaping path", map[string]string{"../etc/passwd": "0123456789abcdef"}, "code_tree"},
		{"absolute path", map[string]string{"/etc/passwd": "0123456789abcdef"}, "code_tree"},
		{"control character", map[string]string{"a\x1b[2Jb.py": "0123456789abcdef"}, "code_tree"},
		{"short key", map[string]string{"a.py": "0123"}, "is not 16 hex digits"},
		{"upper-case key", map[string]string{"a.py": "0123456789ABCDEF"}, "is not 16 hex digits"},
		{"too many", big, "more than 1000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := statesample.Sample()
			s.Models["churn"].Versions[0].Inputs.CodeTree = tt.tree
			b, err := state.Encode(s)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				got, err := state.Decode(b)
				if err != nil {
					t.Fatal(err)
				}
				if len(got.Models["churn"].Versions[0].Inputs.CodeTree) != len(tt.tree) {
					t.Error("code_tree lost in the round trip")
				}
				return
			}
			wanterr.Check(t, err, tt.want)
		})
	}
}
