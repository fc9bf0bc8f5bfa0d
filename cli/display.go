package cli

import (
	"io"
	"os"

	"golang.org/x/term"

	"github.com/mlform/mlform/internal/objname"
)

// displayWriter shows module addresses as users write them: mlform keeps
// an object of a module as KIND.NAME with the module path in the name
// (`model.module.region["eu"].churn`, internal/objname); every command's
// output, text or JSON, shows Terraform's `module.region["eu"].model.churn`.
// Writes are rewritten one at a time (every writer of mlform's output
// writes whole lines or whole documents).
type displayWriter struct{ w io.Writer }

// displayed wraps w once.
func displayed(w io.Writer) io.Writer {
	if w == nil {
		return nil
	}
	if _, ok := w.(displayWriter); ok {
		return w
	}
	return displayWriter{w}
}

func (d displayWriter) Write(p []byte) (int, error) {
	if _, err := d.w.Write(objname.DisplayText(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// rawOutput is w without the address rewriting of displayed: for output
// that is data, not a message (a state document printed byte for byte, a
// formatted configuration), where rewriting a string that looks like a
// kept address would change the data (and break a state's checksum).
func rawOutput(w io.Writer) io.Writer {
	if d, ok := w.(displayWriter); ok {
		return d.w
	}
	return w
}

// fileOf is the file under w, for terminal checks; nil when w is not one.
func fileOf(w io.Writer) *os.File {
	if d, ok := w.(displayWriter); ok {
		w = d.w
	}
	f, _ := w.(*os.File)
	return f
}

// writerIsTerminal reports whether w is a terminal.
func writerIsTerminal(w io.Writer) bool { return terminalOf(w) != nil }

// liveTerminal is the terminal stderr writes to, for a live line redrawn
// in place; nil when stderr is not a terminal or TERM=dumb (which cannot
// move the cursor), so progress is written as plain lines.
func liveTerminal(g *Globals) *os.File {
	if g.DumbTerm {
		return nil
	}
	return terminalOf(g.Stderr)
}

// terminalOf is the terminal under w, nil when w is not one.
func terminalOf(w io.Writer) *os.File {
	if f := fileOf(w); f != nil && term.IsTerminal(int(f.Fd())) {
		return f
	}
	return nil
}
