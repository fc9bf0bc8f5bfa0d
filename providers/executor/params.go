package executor

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"strconv"
)

// canonicalParam turns a param value into what the params file holds:
// string, bool, nil, json.Number in plain decimal, []any and map[string]any
// of those. Non-finite numbers and other types are refused, so the file and
// the MLFORM_PARAM_* variables always agree.
func canonicalParam(v any) (any, error) {
	switch x := v.(type) {
	case nil, string, bool:
		return x, nil
	case json.Number:
		f, ok := new(big.Float).SetPrec(256).SetString(string(x))
		if !ok || f.IsInf() {
			return nil, fmt.Errorf("%q is not a finite number", string(x))
		}
		return json.Number(bigText(f)), nil
	case float64:
		return floatNumber(x)
	case float32:
		return floatNumber(float64(x))
	case *big.Float:
		if x == nil {
			return nil, nil
		}
		if x.IsInf() {
			return nil, fmt.Errorf("%v is not a finite number", x)
		}
		return json.Number(bigText(x)), nil
	case *big.Int:
		if x == nil {
			return nil, nil
		}
		return json.Number(x.String()), nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			ce, err := canonicalParam(e)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out[i] = ce
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			ce, err := canonicalParam(e)
			if err != nil {
				return nil, fmt.Errorf("[%q]: %w", k, err)
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
	}
	return nil, fmt.Errorf("unsupported value of type %T", v)
}

func floatNumber(f float64) (any, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("%v is not a finite number", f)
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
