package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/mlform/mlform/internal/termtext"
	"github.com/mlform/mlform/planner/plans"
)

// ANSI colour codes, used only when Options.Color is set.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiRed    = "\x1b[31m"
	ansiDim    = "\x1b[2m"
)

type painter struct{ on bool }

func (p painter) paint(code, s string) string {
	if !p.on || s == "" {
		return s
	}
	return code + s + ansiReset
}

// symbolColor colours a line by its leading change marker.
func (p painter) line(s string) string {
	if !p.on {
		return s
	}
	switch {
	case strings.HasPrefix(s, "+"):
		return p.paint(ansiGreen, s[:1]) + s[1:]
	case strings.HasPrefix(s, "~"):
		return p.paint(ansiYellow, s[:1]) + s[1:]
	case strings.HasPrefix(s, "-"):
		return p.paint(ansiRed, s[:1]) + s[1:]
	}
	return s
}

// Human writes the plan as people read it in a terminal: per action a "#"
// comment saying what and why, the action line, its details, then notes
// and the summary line. Each of those is one line with no control
// character: `show PLANFILE` renders a file anyone may have written, and a
// reason or note holding an ESC would rewrite the terminal (a newline, a
// forged plan line).
func Human(w io.Writer, p *plans.Plan, o Options) error {
	ew := &errWriter{w: w}
	pt := painter{on: o.Color}
	if !p.Refreshed {
		ew.printf("%s\n\n", pt.paint(ansiDim, "Note: -refresh=false: datasets that have a snapshot were not observed again, so their data changes are not detected."))
	}
	if len(p.Targets) > 0 {
		ew.printf("%s\n\n", pt.paint(ansiDim, "Note: -target limits this plan to "+strings.Join(p.Targets, ", ")+" and what it depends on."))
	}
	if !p.HasChanges() {
		ew.printf("%s Your datasets and models match the configuration.\n", pt.paint(ansiBold+ansiGreen, "No changes."))
		writeNotes(ew, pt, p)
		writeOutputs(ew, pt, p)
		return ew.err
	}
	ew.printf("mlform will perform the following actions:\n\n")
	for _, m := range p.Moves {
		ew.printf("  %s\n", pt.paint(ansiBold, "# "+m.From+" has moved to "+m.To))
		ew.printf("    %s\n\n", pt.paint(ansiDim, "(its recorded history is kept: nothing is retrained or snapshotted again for the move)"))
	}
	for _, a := range p.Actions {
		ew.printf("  %s\n", pt.paint(ansiBold, "# "+termtext.OneLine(Headline(a))))
		ew.printf("  %s\n", pt.line(termtext.OneLine(ActionLine(a))))
		for _, d := range DetailLines(a, o) {
			ew.printf("      %s\n", pt.line(termtext.OneLine(d)))
		}
		ew.printf("\n")
	}
	writeNotes(ew, pt, p)
	writeOutputs(ew, pt, p)
	ew.printf("%s %s.\n", pt.paint(ansiBold, "Plan:"), SummaryLine(p))
	return ew.err
}

func writeNotes(ew *errWriter, pt painter, p *plans.Plan) {
	if len(p.Notes) == 0 {
		return
	}
	if !p.HasChanges() {
		ew.printf("\n")
	}
	for _, n := range p.Notes {
		msg := n.Message
		if n.Addr != "" {
			msg = n.Addr + ": " + msg
		}
		ew.printf("  %s\n", pt.paint(ansiDim, "# "+termtext.OneLine(msg)))
	}
	if p.HasChanges() {
		ew.printf("\n")
	}
}

func writeOutputs(ew *errWriter, pt painter, p *plans.Plan) {
	if len(p.Outputs) == 0 || !p.HasChanges() {
		return
	}
	ew.printf("Outputs after apply:\n")
	for _, out := range p.Outputs {
		ew.printf("  %s = %s\n", out.Name, OutputValue(out))
	}
	ew.printf("\n")
}

// OutputValue renders an output value: "(sensitive value)", "(known after
// apply)" or the value.
func OutputValue(o *plans.Output) string {
	switch {
	case o.Sensitive:
		return "(sensitive value)"
	case !o.Known:
		return "(known after apply)"
	}
	return Value(o.Value, false)
}

// errWriter keeps the first write error so renderers stay readable.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err != nil {
		return
	}
	_, e.err = fmt.Fprintf(e.w, format, args...)
}
