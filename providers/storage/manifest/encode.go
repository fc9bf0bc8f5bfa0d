package manifest

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mlform/mlform/internal/hexid"
)

// appendDoc appends the canonical encoding of doc to b. It produces
// exactly the bytes encoding/json produces for doc with HTML
// escaping off and a trailing newline (the format manifests have always
// had, so ids do not change), without reflection: a snapshot of tens of
// thousands of files is encoded at plan time and again at apply, and the
// reflective encoder was a measurable part of both.
// encode_test.go checks the equivalence, by table and by fuzzing.
func appendDoc(b []byte, doc *document) []byte {
	b = append(b, `{"format":`...)
	b = strconv.AppendInt(b, int64(doc.Format), 10)
	b = append(b, `,"kind":`...)
	b = appendJSONString(b, doc.Kind)
	b = append(b, `,"files":`...)
	if doc.Files == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range doc.Files {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendFile(b, &doc.Files[i])
		}
		b = append(b, ']')
	}
	if len(doc.Meta) > 0 {
		b = append(b, `,"meta":{`...)
		keys := make([]string, 0, len(doc.Meta))
		for k := range doc.Meta {
			keys = append(keys, k)
		}
		slices.Sort(keys) // encoding/json sorts map keys by their bytes
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			b = appendJSONString(b, doc.Meta[k])
		}
		b = append(b, '}')
	}
	return append(b, "}\n"...)
}

func appendFile(b []byte, f *File) []byte {
	b = append(b, `{"path":`...)
	b = appendJSONString(b, f.Path)
	b = append(b, `,"size":`...)
	b = strconv.AppendInt(b, f.Size, 10)
	b = append(b, `,"hash":`...)
	b = appendJSONString(b, f.Hash)
	b = append(b, `,"mode":`...)
	b = strconv.AppendUint(b, uint64(f.Mode), 10)
	b = append(b, `,"chunks":`...)
	if f.Chunks == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, c := range f.Chunks {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"id":`...)
			b = appendJSONString(b, c.ID)
			b = append(b, `,"size":`...)
			b = strconv.AppendUint(b, uint64(c.Size), 10)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s as encoding/json does with HTML escaping off:
// '"', '\\' and control characters escaped (\b \f \n \r \t in short form),
// invalid UTF-8 replaced by U+FFFD, and U+2028 and U+2029 escaped.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// encodedSize estimates the encoding's length, to allocate once.
func encodedSize(doc *document) int {
	n := 64
	for i := range doc.Files {
		f := &doc.Files[i]
		n += len(f.Path) + len(f.Hash) + 80 + len(f.Chunks)*(hexid.DigestLen+30)
	}
	for k, v := range doc.Meta {
		n += len(k) + len(v) + 8
	}
	return n
}

// sortedPaths reports whether files are in strictly increasing path order,
// the order encodeManifest writes and observations already produce.
func sortedPaths(files []File) bool {
	for i := 1; i < len(files); i++ {
		if strings.Compare(files[i-1].Path, files[i].Path) >= 0 {
			return false
		}
	}
	return true
}
