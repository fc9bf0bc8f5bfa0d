// Package diag renders configuration diagnostics: as text with source
// snippets in Terraform's layout (Write, long lines windowed around the
// problem) and as the `mlform validate -json` document (NewValidateJSON).
package diag

import (
	"fmt"
	"io"

	"github.com/hashicorp/hcl/v2"
)

// Write prints diagnostics the way Terraform does, with one
// addition that scripts and editors can match: the summary line names the
// position as file:line:col.
//
//	Error: main.mlf.hcl:12:3: Unsupported argument
//
//	  on main.mlf.hcl line 12, in model "churn":
//	  12:   lerning_rate = 0.05
//
//	An argument named "lerning_rate" is not expected here. Did you mean "learning_rate"?
//
// Diagnostics without a position (a missing directory, a bad -var) print
// just "Error: <summary>" and the detail. files supplies the snippets.
func Write(w io.Writer, diags hcl.Diagnostics, files map[string]*hcl.File, color bool) error {
	for _, d := range diags {
		c := *d
		if d.Subject != nil {
			c.Summary = fmt.Sprintf("%s: %s", fmt.Sprintf("%s:%d:%d", d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column), d.Summary)
		}
		// The summary keeps the real position; the snippet may show a window.
		shown, snippetFiles := windowSnippet(&c, files)
		if err := hcl.NewDiagnosticTextWriter(w, snippetFiles, 0, color).WriteDiagnostic(shown); err != nil {
			return fmt.Errorf("write diagnostics: %w", err)
		}
	}
	return nil
}
