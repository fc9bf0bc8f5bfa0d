package policy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"math/big"
	"reflect"
	"slices"
	"strconv"

	"github.com/mlform/mlform/internal/exactnum"
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
	var buf bytes.Buffer
	if params == nil {
		params = map[string]any{}
	}
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

// writeCanonical appends the canonical encoding of v; at names the value in
// errors ("params.layers[2]").
func writeCanonical(buf *bytes.Buffer, v any, at string) error {
	switch x := v.(type) {
	case nil:
		buf.WriteString("null")
		return nil
	case bool:
		buf.WriteString(strconv.FormatBool(x))
		return nil
	case string:
		b, _ := json.Marshal(x) // strings always marshal
		buf.Write(b)
		return nil
	case json.Number:
		if digits, ok := exactnum.Integer(string(x)); ok {
			buf.WriteString(digits)
			return nil
		}
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil {
			return fmt.Errorf("%s: invalid number %q", at, string(x))
		}
		return writeFloat(buf, f, at)
	case *big.Float:
		if x == nil {
			buf.WriteString("null")
			return nil
		}
		if x.IsInt() && !x.IsInf() {
			if digits, ok := exactnum.Integer(x.Text('f', 0)); ok {
				buf.WriteString(digits)
				return nil
			}
		}
		f, _ := x.Float64()
		return writeFloat(buf, f, at)
	case *big.Int:
		if x == nil {
			buf.WriteString("null")
			return nil
		}
		if digits, ok := exactnum.Integer(x.String()); ok {
			buf.WriteString(digits)
			return nil
		}
		f, _ := new(big.Float).SetInt(x).Float64()
		return writeFloat(buf, f, at)
	case map[string]any:
		return writeObject(buf, x, at)
	case []any:
		return writeArray(buf, len(x), func(i int) any { return x[i] }, at)
	}
	return writeReflect(buf, reflect.ValueOf(v), at)
}

// writeReflect handles the remaining Go kinds: sized numbers, typed slices
// and maps with string keys.
func writeReflect(buf *bytes.Buffer, rv reflect.Value, at string) error {
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return writeFloat(buf, float64(rv.Int()), at)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return writeFloat(buf, float64(rv.Uint()), at)
	case reflect.Float32, reflect.Float64:
		return writeFloat(buf, rv.Float(), at)
	case reflect.Bool:
		buf.WriteString(strconv.FormatBool(rv.Bool()))
		return nil
	case reflect.String:
		return writeCanonical(buf, rv.String(), at)
	case reflect.Slice, reflect.Array:
		if rv.Kind() == reflect.Slice && rv.IsNil() {
			buf.WriteString("null")
			return nil
		}
		return writeArray(buf, rv.Len(), func(i int) any { return rv.Index(i).Interface() }, at)
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			return fmt.Errorf("%s: map keys must be strings, not %s", at, rv.Type().Key())
		}
		m := make(map[string]any, rv.Len())
		for it := rv.MapRange(); it.Next(); {
			m[it.Key().String()] = it.Value().Interface()
		}
		return writeObject(buf, m, at)
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			buf.WriteString("null")
			return nil
		}
		return writeCanonical(buf, rv.Elem().Interface(), at)
	}
	return fmt.Errorf("%s: unsupported value of type %s", at, rv.Type())
}

func writeObject(buf *bytes.Buffer, m map[string]any, at string) error {
	keys := slices.Sorted(maps.Keys(m))
	buf.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			buf.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		buf.Write(kb)
		buf.WriteByte(':')
		if err := writeCanonical(buf, m[k], at+"."+k); err != nil {
			return err
		}
	}
	buf.WriteByte('}')
	return nil
}

func writeArray(buf *bytes.Buffer, n int, get func(int) any, at string) error {
	buf.WriteByte('[')
	for i := 0; i < n; i++ {
		if i > 0 {
			buf.WriteByte(',')
		}
		if err := writeCanonical(buf, get(i), fmt.Sprintf("%s[%d]", at, i)); err != nil {
			return err
		}
	}
	buf.WriteByte(']')
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
