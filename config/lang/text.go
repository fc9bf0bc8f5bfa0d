package lang

import (
	"bytes"
	"fmt"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
)

// CheckText reports, as one error, a file that is not UTF-8 text at all:
// UTF-16 (what Windows PowerShell's `>` writes) or a binary file. HCL
// would report one error per character, thousands for a stray binary
// named *.mlf.hcl, burying the one thing to say.
func CheckText(src []byte, filename string) hcl.Diagnostics {
	var what string
	switch {
	case bytes.HasPrefix(src, []byte{0xFF, 0xFE}), bytes.HasPrefix(src, []byte{0xFE, 0xFF}):
		what = "is UTF-16 text (it begins with a UTF-16 byte order mark); save it as UTF-8"
	case bytes.IndexByte(src, 0) >= 0:
		if utf16Like(src) {
			what = "looks like UTF-16 text (every other byte is zero); save it as UTF-8"
		} else {
			what = "holds a NUL byte: it is not a text file"
		}
	default:
		return nil
	}
	at := hcl.Range{Filename: filename, Start: hcl.InitialPos, End: hcl.InitialPos}
	if i := bytes.IndexByte(src, 0); i >= 0 && !utf16Like(src) && strayNUL(src) {
		// Text with a stray NUL (a bad paste): point at it, the file may
		// be long.
		line := bytes.LastIndexByte(src[:i], '\n')
		at.Start = hcl.Pos{Line: bytes.Count(src[:i], []byte("\n")) + 1, Column: utf8.RuneCount(src[line+1:i]) + 1, Byte: i}
		at.End = hcl.Pos{Line: at.Start.Line, Column: at.Start.Column + 1, Byte: i + 1}
	}
	return hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  "Not a UTF-8 text file",
		Detail:   fmt.Sprintf("%s %s.", filename, what),
		Subject:  &at,
	}}
}

// strayNUL reports whether src is UTF-8 text but for its NUL bytes: no
// other control character than tab, newline and carriage return.
func strayNUL(src []byte) bool {
	for _, b := range src {
		if b < 0x20 && b != 0 && b != '\t' && b != '\n' && b != '\r' || b == 0x7f {
			return false
		}
	}
	return utf8.Valid(src)
}

// utf16Like reports whether the zero bytes of src's start fall on every
// other byte and on no other, as in UTF-16 text of ASCII characters.
func utf16Like(src []byte) bool {
	head := src[:min(len(src), 512)]
	if len(head) < 4 {
		return false
	}
	even, odd := 0, 0
	for i, b := range head {
		if b == 0 {
			if i%2 == 0 {
				even++
			} else {
				odd++
			}
		}
	}
	half := len(head) / 2
	one := func(zeros, others int) bool { return zeros >= half*3/4 && others <= half/16 }
	return one(even, odd) || one(odd, even)
}
