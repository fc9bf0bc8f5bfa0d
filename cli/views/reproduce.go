package views

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/mlform/mlform/planner/query"
	"github.com/mlform/mlform/planner/reproduce"
)

// Reproduce prints `mlform reproduce`: the notes, what ran, a table of
// artifacts and one of metrics (recorded against reproduced), and the verdict.
func Reproduce(w io.Writer, r *reproduce.Report) error {
	for _, n := range r.Notes {
		fmt.Fprintf(w, "Note: %s\n", query.Clean(n))
	}
	if r.CodeID != "" {
		fmt.Fprintf(w, "ran the code archive %s of model.%s v%d\n", shortHash(r.CodeID), r.Model, r.Version)
	}
	if r.Error != "" {
		fmt.Fprintf(w, "re-run of model.%s v%d: %s\n", r.Model, r.Version, query.Clean(r.Error))
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if len(r.Files) > 0 {
		fmt.Fprintln(tw, "ARTIFACT\tRECORDED\tREPRODUCED\tMATCH")
		for _, f := range r.Files {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", query.Clean(f.Path), shortHash(f.Recorded), shortHash(f.Reproduced), matchWord(f.Match))
		}
	}
	if len(r.Metrics) > 0 {
		fmt.Fprintln(tw, "METRIC\tRECORDED\tREPRODUCED\tMATCH")
		for _, m := range r.Metrics {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", query.Clean(m.Name), optFloat(m.Recorded), optFloat(m.Reproduced), matchWord(m.Match))
		}
	}
	tw.Flush()
	if r.Identical {
		_, err := fmt.Fprintf(w, "model.%s v%d reproduced: identical artifact hashes and metrics.\n", r.Model, r.Version)
		return err
	}
	_, err := fmt.Fprintf(w, "model.%s v%d was NOT reproduced: see the differences above.\n", r.Model, r.Version)
	return err
}

func shortHash(h string) string {
	switch {
	case h == "":
		return "(missing)"
	case len(h) > 16:
		return h[:16]
	}
	return h
}

func optFloat(f *float64) string {
	if f == nil {
		return "(missing)"
	}
	return fmt.Sprintf("%g", *f)
}

func matchWord(ok bool) string {
	if ok {
		return "same"
	}
	return "DIFFERENT"
}
