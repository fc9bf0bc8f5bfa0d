// Package textfmt formats the few values mlform prints in several places
// (plan summaries, apply summaries, state and lineage listings), so the
// same thing reads the same wherever it appears.
package textfmt

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
)

// Bytes formats a byte count in binary units: "512 B", "1.2 MiB", "-3.0 KiB".
func Bytes(n int64) string {
	if n < 0 {
		return "-" + Bytes(-n)
	}
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// Files is "1 file" or "N files".
func Files(n int) string { return Count(n, "file") }

// JSON is v as one-line JSON without Go's HTML escaping, so a command or a
// parameter reads as written in HCL ("a > b", not "a \u003e b"). A value
// JSON cannot encode is printed with fmt.
func JSON(v any) string {
	b, err := Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// Marshal is json.Marshal without HTML escaping: a reason, a command or a
// value reads "a -> b" and "x<1", not "a -\u003e b" (the same JSON, but
// people and diffs read mlform's documents).
func Marshal(v any) ([]byte, error) {
	b, err := MarshalLine(v)
	return bytes.TrimSuffix(b, []byte("\n")), err
}

// MarshalLine is Marshal ending in a newline, as json.Encoder writes it:
// a document stored or posted whole (a remote step's objects, a
// notification's body).
func MarshalLine(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// WriteJSON writes v to w as indented JSON without HTML escaping, ending
// in a newline: the -json output of mlform's commands.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// JSONFloat encodes a float for mlform's JSON output. JSON has no
// infinities or NaN and encoding/json fails on them, which would lose the
// whole document; mlform writes them as the strings "+Inf", "-Inf" and
// "NaN" (a nil pointer is null). Finite numbers are encoded as
// encoding/json does.
func JSONFloat(f *float64) json.RawMessage {
	switch {
	case f == nil:
		return json.RawMessage("null")
	case math.IsInf(*f, 1):
		return json.RawMessage(`"+Inf"`)
	case math.IsInf(*f, -1):
		return json.RawMessage(`"-Inf"`)
	case math.IsNaN(*f):
		return json.RawMessage(`"NaN"`)
	}
	b, _ := json.Marshal(*f)
	return b
}
