// Package diag renders configuration diagnostics: as text with source
// snippets in Terraform's layout (Write, long lines windowed around the
// problem) and as the `mlform validate -json` document (NewValidateJSON).
package diag

import (
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"

	"github.com/mlform/mlform/internal/bloburl"
	"github.com/mlform/mlform/internal/termtext"
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
// Nothing in a configuration file or a message acts on the terminal:
// control characters (ESC, CR, bidi overrides) are shown escaped. A
// credential written in a URL (s3://b?token=..., https://user:pw@host)
// shows as '*'s: a plan on a pull request prints to a CI log.
func Write(w io.Writer, diags hcl.Diagnostics, files map[string]*hcl.File, color bool) error {
	files = printableFiles(files)
	for _, d := range diags {
		c := *d
		c.Summary, c.Detail = termtext.Printable(c.Summary), termtext.Printable(c.Detail)
		if d.Subject != nil {
			c.Summary = fmt.Sprintf("%s: %s", termtext.Printable(fmt.Sprintf("%s:%d:%d", d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column)), c.Summary)
			c.Subject = printableRange(d.Subject)
		}
		c.Context = printableRange(d.Context)
		// The summary keeps the real position; the snippet may show a window.
		shown, snippetFiles := windowSnippet(&c, files)
		if done, err := writeSnippet(w, shown, snippetFiles, color); done || err != nil {
			if err != nil {
				return err
			}
			continue
		}
		if err := hcl.NewDiagnosticTextWriter(w, snippetFiles, 0, color).WriteDiagnostic(shown); err != nil {
			return fmt.Errorf("write diagnostics: %w", err)
		}
	}
	return nil
}

// printableRange is r naming its file as printableFiles keys it.
func printableRange(r *hcl.Range) *hcl.Range {
	if r == nil || termtext.Printable(r.Filename) == r.Filename {
		return r
	}
	c := *r
	c.Filename = termtext.Printable(r.Filename)
	return &c
}

// printableFiles returns files with every control character in their source
// other than newline and tab (and the CR of a CRLF line end), and every
// invalid UTF-8 byte, overwritten by '?' byte for byte, and every secret
// of a URL by '*' (bloburl.MaskSecrets), so every position stays valid: a
// configuration file is anyone's text, and a snippet quoting a line with
// ESC ]0;...BEL or ESC [2J would retitle or clear the terminal. A file
// name holding such a character is keyed by its escaped form
// (termtext.Printable), as printableRange names it in the "on FILE line
// N" header. Files that need nothing are kept as they are.
func printableFiles(files map[string]*hcl.File) map[string]*hcl.File {
	var out map[string]*hcl.File
	for name, f := range files {
		if f == nil {
			continue
		}
		clean, changed := printableSource(f.Bytes)
		if masked, ok := bloburl.MaskSecrets(clean); ok {
			clean, changed = masked, true
		}
		printName := termtext.Printable(name)
		if !changed && printName == name {
			continue
		}
		if out == nil {
			out = make(map[string]*hcl.File, len(files))
			for k, v := range files {
				out[k] = v
			}
		}
		c := *f
		c.Bytes = clean
		delete(out, name)
		out[printName] = &c
	}
	if out == nil {
		return files
	}
	return out
}

func printableSource(src []byte) ([]byte, bool) {
	var out []byte
	for i := 0; i < len(src); {
		r, n := utf8.DecodeRune(src[i:])
		bad := termtext.IsControl(r) && r != '\n' && r != '\t' && (r != '\r' || i+1 >= len(src) || src[i+1] != '\n')
		if r == utf8.RuneError && n == 3 {
			bad = false // U+FFFD written as such is text
		}
		if bad {
			if out == nil {
				out = append([]byte(nil), src...)
			}
			for j := i; j < i+n; j++ {
				out[j] = '?'
			}
		}
		i += n
	}
	if out == nil {
		return src, false
	}
	return out, true
}
