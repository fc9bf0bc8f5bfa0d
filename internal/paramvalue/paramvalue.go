// Package paramvalue is the one reading of a train param's value,
// whatever Go type carried it (HCL numbers as *big.Float, state's as
// float64 or json.Number, tests' ints and typed slices): Canonical turns
// it into a tree of nil, bool, string, json.Number in plain decimal,
// []any and map[string]any. The params file the trainer reads is that
// tree as it is (every digit kept); the inputs digest (planner/policy)
// encodes it under its own number rule. One walk for both, so what the
// trainer is given and what is hashed can never read a value apart.
package paramvalue

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"strconv"
	"strings"
)

// Error is a value Canonical refuses, and where it is inside the param.
type Error struct {
	// Path leads from the param to the value: ".key" and "[index]"
	// steps, "" for the param itself.
	Path    string
	Problem string
}

func (e *Error) Error() string {
	if e.Path == "" {
		return e.Problem
	}
	return strings.TrimPrefix(e.Path, ".") + ": " + e.Problem
}

// Canonical returns v as the canonical tree. Non-finite numbers, map keys
// that are not strings and types with no JSON form are refused (*Error).
func Canonical(v any) (any, error) {
	return canonical(v, "")
}

func canonical(v any, at string) (any, error) {
	refuse := func(format string, args ...any) (any, error) {
		return nil, &Error{Path: at, Problem: fmt.Sprintf(format, args...)}
	}
	switch x := v.(type) {
	case nil, string, bool:
		return x, nil
	case json.Number:
		f, ok := new(big.Float).SetPrec(256).SetString(string(x))
		if !ok {
			return refuse("invalid number %q", string(x))
		}
		if f.IsInf() {
			return refuse("%s is not a finite number", string(x))
		}
		return json.Number(bigText(f)), nil
	case float64:
		return floatNumber(x, at)
	case float32:
		return floatNumber(float64(x), at)
	case *big.Float:
		if x == nil {
			return nil, nil
		}
		if x.IsInf() {
			return refuse("%v is not a finite number", x)
		}
		return json.Number(bigText(x)), nil
	case *big.Int:
		if x == nil {
			return nil, nil
		}
		return json.Number(x.String()), nil
	case []any:
		return list(len(x), func(i int) any { return x[i] }, at)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			ce, err := canonical(e, at+"."+k)
			if err != nil {
				return nil, err
			}
			out[k] = ce
		}
		return out, nil
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return json.Number(strconv.FormatInt(rv.Int(), 10)), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return json.Number(strconv.FormatUint(rv.Uint(), 10)), nil
	case reflect.Float32, reflect.Float64:
		return floatNumber(rv.Float(), at)
	case reflect.Bool:
		return rv.Bool(), nil
	case reflect.String:
		return rv.String(), nil
	case reflect.Slice, reflect.Array:
		if rv.Kind() == reflect.Slice && rv.IsNil() {
			return nil, nil
		}
		return list(rv.Len(), func(i int) any { return rv.Index(i).Interface() }, at)
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			return refuse("map keys must be strings, not %s", rv.Type().Key())
		}
		m := make(map[string]any, rv.Len())
		for it := rv.MapRange(); it.Next(); {
			m[it.Key().String()] = it.Value().Interface()
		}
		return canonical(m, at)
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return nil, nil
		}
		return canonical(rv.Elem().Interface(), at)
	}
	return refuse("unsupported value of type %T", v)
}

func list(n int, get func(int) any, at string) (any, error) {
	out := make([]any, n)
	for i := range n {
		ce, err := canonical(get(i), fmt.Sprintf("%s[%d]", at, i))
		if err != nil {
			return nil, err
		}
		out[i] = ce
	}
	return out, nil
}

func floatNumber(f float64, at string) (any, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, &Error{Path: at, Problem: fmt.Sprintf("%v is not a finite number", f)}
	}
	if f == 0 {
		return json.Number("0"), nil // no "-0"
	}
	return json.Number(strconv.FormatFloat(f, 'f', -1, 64)), nil
}

// bigText is the shortest plain-decimal form that round-trips at the
// float's precision; "-0" becomes "0".
func bigText(f *big.Float) string {
	if f.Sign() == 0 {
		return "0"
	}
	return f.Text('f', -1)
}
