package render

import (
	"io"

	"github.com/mlform/mlform/internal/textfmt"
	"github.com/mlform/mlform/planner/plans"
)

// JSONFormatVersion is the version of the `plan -json` document
// (docs/plan-json.md); the document itself is plans.JSONPlan.
const JSONFormatVersion = plans.JSONFormatVersion

// JSON writes the plan as the documented, versioned JSON document (one
// line, newline-terminated).
func JSON(w io.Writer, p *plans.Plan) error {
	b, err := textfmt.Marshal(plans.NewJSON(p, Headline))
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
