package diag

import (
	"bytes"

	"github.com/hashicorp/hcl/v2"
)

// maxSnippetLine is the longest source line a diagnostic snippet prints
// whole. A longer one (a generated config, 100,000 nested parentheses) is
// cut to a window around the problem, so one diagnostic cannot flood the
// terminal.
const maxSnippetLine = 240

// windowSnippet returns d and files unchanged when d's subject line is short
// enough to print. Otherwise it returns a copy of d whose subject points
// into a stand-in file holding just a window of that line (marked with
// "..." where it was cut), at the same line number, so the snippet shows
// the problem and its surroundings and nothing else.
func windowSnippet(d *hcl.Diagnostic, files map[string]*hcl.File) (*hcl.Diagnostic, map[string]*hcl.File) {
	if d.Subject == nil || files[d.Subject.Filename] == nil {
		return d, files
	}
	src := files[d.Subject.Filename].Bytes
	start := d.Subject.Start.Byte
	if start < 0 || start > len(src) {
		return d, files
	}
	lineStart := bytes.LastIndexByte(src[:start], '\n') + 1
	lineEnd := len(src)
	if i := bytes.IndexByte(src[start:], '\n'); i >= 0 {
		lineEnd = start + i
	}
	if lineEnd-lineStart <= maxSnippetLine {
		return d, files
	}
	from := max(lineStart, start-maxSnippetLine/3)
	to := min(lineEnd, from+maxSnippetLine)
	end := min(max(d.Subject.End.Byte, start), to)
	var line []byte
	if from > lineStart {
		line = append(line, "..."...)
	}
	offset := len(line)
	line = append(line, src[from:to]...)
	if to < lineEnd {
		line = append(line, "..."...)
	}
	// Stand-in source: empty lines up to the subject's line, then the window.
	stand := append(bytes.Repeat([]byte("\n"), d.Subject.Start.Line-1), line...)
	base := d.Subject.Start.Line - 1
	pos := func(b int) hcl.Pos {
		return hcl.Pos{Line: d.Subject.Start.Line, Column: offset + (b - from) + 1, Byte: base + offset + (b - from)}
	}
	c := *d
	c.Subject = &hcl.Range{Filename: d.Subject.Filename, Start: pos(start), End: pos(end)}
	c.Context = nil
	out := make(map[string]*hcl.File, len(files))
	for k, v := range files {
		out[k] = v
	}
	out[d.Subject.Filename] = &hcl.File{Bytes: stand}
	return &c, out
}
