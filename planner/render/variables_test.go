package render

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mlform/mlform/planner/plans"
)

func TestSavedVariables(t *testing.T) {
	long := `"` + strings.Repeat("é", 150) + `"`
	tests := []struct {
		name    string
		vars    []*plans.Variable
		want    []string
		notWant []string
	}{
		{"none", nil, nil, []string{"Variables"}},
		{"plain and sensitive", []*plans.Variable{
			{Name: "src", Type: json.RawMessage(`"string"`), Value: json.RawMessage(`"data2"`)},
			{Name: "token", Sensitive: true, Salt: "00", Hash: "11"},
		}, []string{"Variables saved in this plan (apply FILE uses them):\n", "  src = \"data2\"\n", "  token = (sensitive value: not saved; give apply the same value)\n"}, []string{"11"}},
		{"long value cut on a rune", []*plans.Variable{{Name: "x", Type: json.RawMessage(`"string"`), Value: json.RawMessage(long)}},
			[]string{"..."}, []string{"\uFFFD"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := SavedVariables(&b, &plans.Plan{Variables: tt.vars}); err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("missing %q in %q", w, b.String())
				}
			}
			if !utf8.ValidString(b.String()) {
				t.Errorf("output is not UTF-8: %q", b.String())
			}
			for _, w := range tt.notWant {
				if strings.Contains(b.String(), w) {
					t.Errorf("unexpected %q in %q", w, b.String())
				}
			}
		})
	}
}
