package render

import (
	"bytes"
	"io"
	"strings"

	"github.com/mlform/mlform/internal/objname"
	"github.com/mlform/mlform/internal/termtext"
	"github.com/mlform/mlform/planner/plans"
)

// Markdown writes the plan for a pull-request comment: a heading with the
// summary, a table of actions with their reasons, with o.State a metric
// trend per model it trains, the notes, and the full human plan folded in
// a <details> block.
func Markdown(w io.Writer, p *plans.Plan, o Options) error {
	ew := &errWriter{w: w}
	if !p.HasChanges() {
		ew.printf("### mlform plan: no changes\n\nYour datasets and models match the configuration.\n")
	} else {
		ew.printf("### mlform plan: %s\n\n", SummaryLine(p))
		ew.printf("| | Action | Why |\n|---|---|---|\n")
		for _, m := range p.Moves {
			ew.printf("| `>` | %s | %s |\n", mdCell("move "+m.From+" to "+m.To), "moved block: its history is kept")
		}
		for _, a := range p.Actions {
			action := strings.TrimSpace(strings.TrimPrefix(ActionLine(a), symbol(a)))
			if a.Kind == plans.KindForget {
				action = "forget " + plans.ForgetLabel(a) // the why column has the reasons
			}
			ew.printf("| `%s` | %s | %s |\n", symbol(a), mdCell(action), mdCell(whyCell(a)))
		}
		ew.printf("\n")
		metricTrends(ew, p, o.State)
	}
	if len(p.Notes) > 0 {
		if !p.HasChanges() {
			ew.printf("\n")
		}
		ew.printf("**Notes**\n\n")
		for _, n := range p.Notes {
			msg := mdText(n.Message)
			if n.Addr != "" {
				msg = "`" + mdCode(n.Addr) + "`: " + msg
			}
			ew.printf("- %s\n", msg)
		}
		ew.printf("\n")
	}
	if p.HasChanges() {
		var human bytes.Buffer
		o.Color = false
		if err := Human(&human, p, o); err != nil {
			return err
		}
		ew.printf("<details><summary>Full plan</summary>\n\n```\n%s```\n\n</details>\n", strings.ReplaceAll(human.String(), "```", "'''"))
	}
	if !p.Refreshed {
		ew.printf("\n_Planned with `-refresh=false`: data changes were not detected._\n")
	}
	return ew.err
}

// whyCell is the table's reason column: the snapshot summary for datasets,
// the reasons otherwise.
func whyCell(a *plans.Action) string {
	switch a.Kind {
	case plans.KindSnapshot:
		return SnapshotSummary(a)
	case plans.KindForget:
		return forgetWhy(a)
	}
	return reasonText(a.Reasons)
}

// mdCell escapes text for a table cell: pipes and newlines would break the
// row.
func mdCell(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	return strings.ReplaceAll(mdText(s), "|", "\\|")
}

// mdText keeps user-controlled text (paths, messages) from injecting HTML
// or markup into the comment: one line (a newline would start a heading or
// list item of its own), no control characters, and no link or image
// (a data file named "![x](https://host/pixel.png)" loaded that image in
// every reviewer's browser): brackets, and the backslash that could undo
// their escape, are escaped. Module addresses are written as users write
// them (module.a["eu"].model.m) before the escaping: the CLI's rewrite of
// the whole output (objname.DisplayText) cannot read an address whose
// brackets are escaped, and left model.module.a\["eu"\].m in the table.
func mdText(s string) string {
	r := strings.NewReplacer("<", "&lt;", ">", "&gt;", "`", "'", "\\", "\\\\", "[", "\\[", "]", "\\]")
	return r.Replace(termtext.OneLine(string(objname.DisplayText([]byte(s)))))
}

// mdCode is mdText for the inside of a code span, where escapes show as
// they are: one line, and no backtick to end the span early.
func mdCode(s string) string {
	return strings.ReplaceAll(termtext.OneLine(s), "`", "'")
}
