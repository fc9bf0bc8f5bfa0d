package render

import (
	"io"
	"strings"

	"github.com/mlform/mlform/internal/termtext"
	"github.com/mlform/mlform/planner/plans"
)

// maxVariableShown is how much of a saved value `show` prints.
const maxVariableShown = 200

// SavedVariables writes, after a saved plan's human rendering, the
// variable values the plan file carries, so whoever applies it sees what
// it will use and which sensitive values to give again. Values come from
// an untrusted file: control characters are escaped and long values cut.
func SavedVariables(w io.Writer, p *plans.Plan) error {
	ew := &errWriter{w: w}
	if len(p.Variables) == 0 {
		return nil
	}
	ew.printf("\nVariables saved in this plan (apply FILE uses them):\n")
	for _, v := range p.Variables {
		if v.Sensitive {
			ew.printf("  %s = (sensitive value: not saved; give apply the same value)\n", v.Name)
			continue
		}
		val := termtext.OneLine(string(v.Value))
		if len(val) > maxVariableShown {
			val = strings.ToValidUTF8(val[:maxVariableShown], "") + "..."
		}
		ew.printf("  %s = %s\n", v.Name, val)
	}
	return ew.err
}
