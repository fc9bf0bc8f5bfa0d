// Package termtext is mlform's one terminal sanitiser. Text mlform does
// not control (trainer output, file names, errors and names read from
// state, manifests or metrics.json) must not drive the terminal: an ESC
// sequence can retitle or clear it, a carriage return or a bidi override
// can make a line read as something else.
package termtext

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// IsControl reports whether r must not reach a terminal as is: C0 and C1
// controls and DEL (ESC, CR, BEL...), the Unicode line and paragraph
// separators, bidi controls, and the replacement character (what invalid
// UTF-8 decodes to). Newline and tab are controls too; Printable keeps
// them, OneLine does not.
func IsControl(r rune) bool {
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' ||
		unicode.Is(unicode.Bidi_Control, r) || r == utf8.RuneError
}

// Printable returns s with every control character except newline and tab
// written as a visible escape (\x1b, \u202e), and each invalid UTF-8 byte
// as \xNN: the text stays readable and nothing in it acts on the terminal.
func Printable(s string) string {
	if !needsEscape(s, true) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			fmt.Fprintf(&b, "\\x%02x", s[i])
		case r != '\n' && r != '\t' && IsControl(r):
			if r < 0x100 {
				fmt.Fprintf(&b, "\\x%02x", r)
			} else {
				fmt.Fprintf(&b, "\\u%04x", r)
			}
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// OneLine returns s with every control character (newline and tab too)
// replaced by a space, for text that must stay on one line of a table.
func OneLine(s string) string {
	if !needsEscape(s, false) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if IsControl(r) {
			b.WriteByte(' ')
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func needsEscape(s string, keepLines bool) bool {
	for _, r := range s {
		if keepLines && (r == '\n' || r == '\t') {
			continue
		}
		if IsControl(r) {
			return true
		}
	}
	return false
}

// Writer passes text on with Printable applied a line at a time (a line
// longer than 64 KiB in pieces), so an escape sequence split across two
// writes is still caught. Close writes what is left.
type Writer struct {
	w   io.Writer
	buf []byte
}

// NewWriter returns a Writer onto w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// maxLine bounds how much of a line Writer holds back.
const maxLine = 64 << 10

func (t *Writer) Write(b []byte) (int, error) {
	t.buf = append(t.buf, b...)
	for {
		i := bytes.IndexByte(t.buf, '\n')
		if i < 0 {
			break
		}
		if _, err := io.WriteString(t.w, Printable(string(t.buf[:i+1]))); err != nil {
			return 0, err
		}
		t.buf = t.buf[i+1:]
	}
	if len(t.buf) > maxLine {
		if err := t.Close(); err != nil {
			return 0, err
		}
	}
	return len(b), nil
}

// Close writes the rest of the last line; it does not close w.
func (t *Writer) Close() error {
	if len(t.buf) == 0 {
		return nil
	}
	_, err := io.WriteString(t.w, Printable(string(t.buf)))
	t.buf = t.buf[:0]
	return err
}

// QuotePath is a file's path as mlform shows it (plan's file list, apply's
// errors): as is, unless it holds a control character (IsControl: newline,
// tab, ESC, a bidi override...) or invalid UTF-8; then it is quoted
// Go-style, like git's core.quotePath. File names are data anyone can
// write: raw, a newline could forge a plan line ("+ snapshot dataset.x")
// in a reviewed plan and an ESC could rewrite the terminal.
func QuotePath(p string) string {
	if !utf8.ValidString(p) || strings.IndexFunc(p, IsControl) >= 0 {
		return strconv.Quote(p)
	}
	return p
}

// Truncate shortens s to at most n bytes on a rune boundary, marking the
// cut with "...": untrusted text (a path, an id, a name read from a file)
// can be huge, and a message quoting it must stay readable.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}
