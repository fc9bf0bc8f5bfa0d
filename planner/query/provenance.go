package query

import (
	"fmt"
	"io"
	"strings"

	"github.com/mlform/mlform/internal/provenance"
	"github.com/mlform/mlform/internal/termtext"
)

// WriteProvenance renders a version's environment record and model card
// (lineage, after the state's part). Stored text is shown line by line
// under "| ", control characters escaped.
func WriteProvenance(w io.Writer, env *provenance.Environment, card string) error {
	if env != nil {
		fmt.Fprintln(w, "\nenvironment record:")
		fmt.Fprintf(w, "  executor: %s\n", orDash(clean(env.Executor)))
		if env.Name != "" {
			fmt.Fprintf(w, "  environment: %s\n", clean(env.Name))
		}
		if env.Image != "" {
			fmt.Fprintf(w, "  image: %s\n", clean(env.Image))
		}
		if env.ImageDigest != "" {
			fmt.Fprintf(w, "  image digest: %s\n", clean(env.ImageDigest))
		}
		for _, f := range env.Files {
			fmt.Fprintf(w, "  file %s:%s\n", clean(f.Path), note(f.Error, f.Truncated))
			writeText(w, f.Content)
		}
		for _, c := range env.Captures {
			fmt.Fprintf(w, "  capture %s (exit %d):%s\n", clean(c.Command), c.ExitCode, note(c.Error, c.Truncated))
			writeText(w, c.Output)
		}
	}
	if card != "" {
		fmt.Fprintln(w, "\nmodel card:")
		writeText(w, card)
	}
	return nil
}

// note is " (cut at 1 MiB)" or " (not read: ...)".
func note(err string, truncated bool) string {
	switch {
	case err != "":
		return " (" + clean(err) + ")"
	case truncated:
		return fmt.Sprintf(" (cut at %d bytes)", provenance.MaxText)
	}
	return ""
}

// writeText writes stored text indented under "    | ".
func writeText(w io.Writer, s string) {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return
	}
	for _, line := range strings.Split(s, "\n") {
		fmt.Fprintf(w, "    | %s\n", termtext.OneLine(line))
	}
}
