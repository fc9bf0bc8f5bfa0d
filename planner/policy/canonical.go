package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"

	"github.com/mlform/mlform/internal/exactnum"
	"github.com/mlform/mlform/internal/paramvalue"
	"github.com/mlform/mlform/internal/textfmt"
)

// CanonicalParams encodes train params as canonical JSON: object keys
// sorted, no insignificant space, and every number in one form whatever Go
// type carried it (int 30, float64 30 and big.Float 30 all encode as 30;
// 0.05 as 0.05). Numbers are compared as float64 (HCL numbers, JSON numbers
// from a state file and Go floats then agree), except an integer float64
// cannot hold (a seed above 2^53), carried as json.Number, *big.Int or
// *big.Float: it keeps every digit, as the trainer is given it. Equal
// params give equal bytes, so the encoding is safe to hash. NaN,
// infinities and values JSON cannot hold are errors.
func CanonicalParams(params map[string]any) ([]byte, error) {
	if params == nil {
		params = map[string]any{}
	}
	var buf bytes.Buffer
	if err := writeCanonical(&buf, params, "params"); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// NormalizeParams returns params as they read back from their canonical
// JSON (numbers as float64 but for integers float64 cannot hold, which stay
// json.Number; lists as []any, objects as map[string]any), the form state
// stores, so a digest computed before and after a state round trip is the
// same.
func NormalizeParams(params map[string]any) (map[string]any, error) {
	b, err := CanonicalParams(params)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	out := map[string]any{}
	if err := dec.Decode(&out); err != nil {
		return nil, fmt.Errorf("params: %w", err)
	}
	return exactnum.Floats(out).(map[string]any), nil
}

// writeCanonical appends the canonical encoding of v (any value
// paramvalue.Canonical reads); at names it in errors ("params").
func writeCanonical(buf *bytes.Buffer, v any, at string) error {
	c, err := paramvalue.Canonical(v)
	var pe *paramvalue.Error
	if errors.As(err, &pe) {
		return fmt.Errorf("%s%s: %s", at, pe.Path, pe.Problem)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", at, err)
	}
	return writeTree(buf, c, at)
}

// writeTree encodes a canonical tree. Its numbers are exact decimals;
// they are written as float64 would hold them, but for an integer float64
// cannot hold (below 1e21), which keeps its digits.
func writeTree(buf *bytes.Buffer, v any, at string) error {
	switch x := v.(type) {
	case nil:
		buf.WriteString("null")
	case bool:
		buf.WriteString(strconv.FormatBool(x))
	case string:
		b, _ := json.Marshal(x) // strings always marshal
		buf.Write(b)
	case json.Number:
		if digits, ok := exactnum.Integer(string(x)); ok {
			buf.WriteString(digits)
			return nil
		}
		// A decimal beyond float64's range reads as ±Inf, refused below.
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return fmt.Errorf("%s: invalid number %q", at, string(x))
		}
		return writeFloat(buf, f, at)
	case []any:
		buf.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := writeTree(buf, e, fmt.Sprintf("%s[%d]", at, i)); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case map[string]any:
		buf.WriteByte('{')
		for i, k := range slices.Sorted(maps.Keys(x)) {
			if i > 0 {
				buf.WriteByte(',')
			}
			kb, _ := json.Marshal(k)
			buf.Write(kb)
			buf.WriteByte(':')
			if err := writeTree(buf, x[k], at+"."+k); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	default:
		return fmt.Errorf("%s: unsupported value of type %T", at, v) // not a canonical tree
	}
	return nil
}

// writeFloat writes f in its one canonical form: integral values below
// 1e21 as plain integers, everything else as Go's shortest round-trip form.
func writeFloat(buf *bytes.Buffer, f float64, at string) error {
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0):
		return fmt.Errorf("%s: %v is not a finite number", at, f)
	case f == math.Trunc(f) && math.Abs(f) < 1e21:
		if f == 0 {
			f = 0 // no "-0"
		}
		buf.WriteString(strconv.FormatFloat(f, 'f', -1, 64))
	default:
		buf.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
	}
	return nil
}

// formatValue renders a canonical param value for a human diff line.
func formatValue(v any) string {
	var buf bytes.Buffer
	if err := writeCanonical(&buf, v, "value"); err != nil {
		return fmt.Sprint(v)
	}
	return unescapeHTML(buf.Bytes())
}

// unescapeHTML re-encodes canonical JSON without the HTML escaping the
// canonical (hashed, so unchangeable) form has: people read "a<b", not
// "a\u003cb".
func unescapeHTML(canonical []byte) string {
	if !bytes.Contains(canonical, []byte(`\u00`)) {
		return string(canonical)
	}
	dec := json.NewDecoder(bytes.NewReader(canonical))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil {
		return string(canonical)
	}
	out, err := textfmt.Marshal(x)
	if err != nil {
		return string(canonical)
	}
	return string(out)
}
