package diag

import (
	"bufio"
	"bytes"
	"fmt"
	"io"

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

// writeSnippet writes d the way HCL's text writer does, but reads only
// the lines its snippet shows: HCL's writer scans the whole file for every
// diagnostic, so a large file with many problems (a generated config, a
// binary file) took time proportional to its size times the number of
// problems. HCL writes everything but the source lines (from a stand-in
// file without text, which keeps the file's block structure for the "in
// BLOCK" header); the lines are written here, as HCL lays them out. It
// reports false, having written nothing, when d is not such a diagnostic.
func writeSnippet(w io.Writer, d *hcl.Diagnostic, files map[string]*hcl.File, color bool) (bool, error) {
	if d.Subject == nil || files[d.Subject.Filename] == nil || files[d.Subject.Filename].Bytes == nil {
		return false, nil
	}
	f := files[d.Subject.Filename]
	src := f.Bytes
	snip, hl := *d.Subject, *d.Subject
	if d.Context != nil {
		snip = hcl.RangeOver(snip, *d.Context)
	}
	// HCL widens empty ranges to one character.
	if snip.Empty() {
		snip.End.Byte++
		snip.End.Column++
	}
	if hl.Empty() {
		hl.End.Byte++
		hl.End.Column++
	}
	if snip.Start.Byte < 0 || snip.Start.Byte > len(src) || snip.End.Byte < snip.Start.Byte || snip.Start.Line < 1 {
		return false, nil
	}
	lineStart := bytes.LastIndexByte(src[:snip.Start.Byte], '\n') + 1
	lineEnd := len(src)
	if e := min(snip.End.Byte, len(src)); e < len(src) {
		if i := bytes.IndexByte(src[e:], '\n'); i >= 0 {
			lineEnd = e + i + 1
		}
	}
	line := snip.Start.Line - bytes.Count(src[lineStart:snip.Start.Byte], []byte("\n"))
	if line < 1 {
		return false, nil
	}

	var head, full bytes.Buffer
	h := *d
	h.Subject, h.Context, h.Expression, h.EvalContext, h.Detail = nil, nil, nil, nil, ""
	if err := hcl.NewDiagnosticTextWriter(&head, nil, 0, color).WriteDiagnostic(&h); err != nil {
		return true, err
	}
	bare := map[string]*hcl.File{d.Subject.Filename: {Bytes: []byte{}, Nav: f.Nav}}
	if err := hcl.NewDiagnosticTextWriter(&full, bare, 0, color).WriteDiagnostic(d); err != nil {
		return true, err
	}
	ctx := ""
	if cs, ok := f.Nav.(interface{ ContextString(int) string }); ok {
		if c := cs.ContextString(d.Subject.Start.Byte); c != "" {
			ctx = ", in " + c
		}
	}
	prefix := head.String() + fmt.Sprintf("  on %s line %d%s:\n", d.Subject.Filename, d.Subject.Start.Line, ctx)
	out := full.Bytes()
	if !bytes.HasPrefix(out, []byte(prefix+"\n")) {
		return false, nil
	}
	var hlOn, hlOff string
	if color {
		hlOn, hlOff = "\x1b[1;4m", "\x1b[0m"
	}
	var lines bytes.Buffer
	lines.WriteString(prefix)
	sc := hcl.NewRangeScannerFragment(src[:lineEnd], d.Subject.Filename, hcl.Pos{Line: line, Column: 1, Byte: lineStart}, bufio.ScanLines)
	for sc.Scan() {
		lr := sc.Range()
		if !lr.Overlaps(snip) {
			continue
		}
		before, mid, after := lr.PartitionAround(hl)
		if mid.Empty() {
			fmt.Fprintf(&lines, "%4d: %s\n", lr.Start.Line, sc.Bytes())
			continue
		}
		fmt.Fprintf(&lines, "%4d: %s%s%s%s%s\n", lr.Start.Line, before.SliceBytes(src), hlOn, mid.SliceBytes(src), hlOff, after.SliceBytes(src))
	}
	lines.Write(out[len(prefix):])
	_, err := w.Write(lines.Bytes())
	if err != nil {
		err = fmt.Errorf("write diagnostics: %w", err)
	}
	return true, err
}
