package diag

import (
	"bytes"

	"github.com/hashicorp/hcl/v2"

	"github.com/mlform/mlform/internal/bloburl"
)

// ValidateJSON is `mlform validate -json`'s document, in the shape of
// Terraform's (format_version "1.0").
type ValidateJSON struct {
	FormatVersion string           `json:"format_version"`
	Valid         bool             `json:"valid"`
	ErrorCount    int              `json:"error_count"`
	WarningCount  int              `json:"warning_count"`
	Diagnostics   []JSONDiagnostic `json:"diagnostics"`
}

// JSONDiagnostic is one diagnostic; Range and Snippet are absent when the
// problem has no position (a bad -var, a missing directory).
type JSONDiagnostic struct {
	Severity string       `json:"severity"` // "error" or "warning"
	Summary  string       `json:"summary"`
	Detail   string       `json:"detail"`
	Range    *JSONRange   `json:"range,omitempty"`
	Snippet  *JSONSnippet `json:"snippet,omitempty"`
}

// JSONRange is a span of a file; lines and columns start at 1, bytes at 0.
type JSONRange struct {
	Filename string  `json:"filename"`
	Start    JSONPos `json:"start"`
	End      JSONPos `json:"end"`
}

// JSONPos is one position in a file.
type JSONPos struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Byte   int `json:"byte"`
}

// JSONSnippet is the source around a diagnostic: Code holds the whole lines
// the range covers, starting at StartLine; the highlight offsets are byte
// offsets into Code. Context names the enclosing block (or is null).
// Values is always empty: mlform never echoes values, which may be secret.
type JSONSnippet struct {
	Context              *string `json:"context"`
	Code                 string  `json:"code"`
	StartLine            int     `json:"start_line"`
	HighlightStartOffset int     `json:"highlight_start_offset"`
	HighlightEndOffset   int     `json:"highlight_end_offset"`
	Values               []any   `json:"values"`
}

// NewValidateJSON builds the validate -json document from diagnostics.
func NewValidateJSON(diags hcl.Diagnostics, files map[string]*hcl.File) ValidateJSON {
	out := ValidateJSON{FormatVersion: "1.0", Diagnostics: []JSONDiagnostic{}}
	// Each file's source with the secrets of its URLs masked, as Write
	// shows it; masked once, when a diagnostic first quotes it.
	masked := map[string]*hcl.File{}
	for _, d := range diags {
		jd := JSONDiagnostic{Severity: "warning", Summary: d.Summary, Detail: d.Detail}
		if d.Severity == hcl.DiagError {
			jd.Severity = "error"
			out.ErrorCount++
		} else {
			out.WarningCount++
		}
		if d.Subject != nil {
			r := *d.Subject
			jd.Range = &JSONRange{
				Filename: r.Filename,
				Start:    JSONPos{Line: r.Start.Line, Column: r.Start.Column, Byte: r.Start.Byte},
				End:      JSONPos{Line: r.End.Line, Column: r.End.Column, Byte: r.End.Byte},
			}
			if f := files[r.Filename]; f != nil {
				if masked[r.Filename] == nil {
					masked[r.Filename] = f
					if b, ok := bloburl.MaskSecrets(f.Bytes); ok {
						c := *f
						c.Bytes = b
						masked[r.Filename] = &c
					}
				}
				jd.Snippet = snippet(masked[r.Filename], r)
			}
		}
		out.Diagnostics = append(out.Diagnostics, jd)
	}
	out.Valid = out.ErrorCount == 0
	return out
}

// snippet cuts the lines of r out of f. It returns nil when r does not fit
// in the file (a range from another version of it).
func snippet(f *hcl.File, r hcl.Range) *JSONSnippet {
	src := f.Bytes
	if r.Start.Byte < 0 || r.End.Byte > len(src) || r.Start.Byte > r.End.Byte {
		return nil
	}
	start := bytes.LastIndexByte(src[:r.Start.Byte], '\n') + 1
	end := len(src)
	if i := bytes.IndexByte(src[r.End.Byte:], '\n'); i >= 0 {
		end = r.End.Byte + i
	}
	if r.End.Byte > r.Start.Byte && r.End.Byte > 0 && src[r.End.Byte-1] == '\n' {
		end = r.End.Byte - 1
	}
	if end < r.Start.Byte {
		end = r.Start.Byte
	}
	s := &JSONSnippet{
		Code:                 string(src[start:end]),
		StartLine:            r.Start.Line,
		HighlightStartOffset: r.Start.Byte - start,
		HighlightEndOffset:   min(r.End.Byte, end) - start,
		Values:               []any{},
	}
	if nav, ok := f.Nav.(interface{ ContextString(int) string }); ok {
		if c := nav.ContextString(r.Start.Byte); c != "" {
			s.Context = &c
		}
	}
	return s
}
