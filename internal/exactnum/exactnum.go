// Package exactnum keeps the integers float64 cannot hold exactly (a
// random seed above 2^53) as the digits they were written with, while
// every other JSON number stays float64 as any JSON reader takes it. Train
// params use it from the configuration (config/lang), through their
// canonical form (planner/policy) to the state document (state), so a
// trainer and a reproduction get the seed that was written.
package exactnum

import (
	"encoding/json"
	"math/big"
	"strconv"
)

// Integer reports whether a JSON number's text is an integer below 1e21
// in magnitude that float64 cannot hold exactly, returning its digits in
// plain decimal.
func Integer(text string) (string, bool) {
	f, ok := new(big.Float).SetPrec(1024).SetString(text)
	if !ok || f.IsInf() || !f.IsInt() {
		return "", false
	}
	// From 1e21 on, numbers are written in exponent form (1e+21) like any
	// float, as they always were.
	if a, _ := new(big.Float).Abs(f).Float64(); a >= 1e21 {
		return "", false
	}
	if _, acc := f.Float64(); acc == big.Exact {
		return "", false
	}
	return f.Text('f', 0), true
}

// Floats turns the json.Numbers of a document decoded with UseNumber into
// float64, in place, but for the integers float64 cannot hold exactly,
// which stay json.Number (in plain decimal).
func Floats(v any) any {
	switch x := v.(type) {
	case json.Number:
		if digits, exact := Integer(string(x)); exact {
			return json.Number(digits)
		}
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil {
			return x // out of float64's range: left for validation to refuse
		}
		return f
	case []any:
		for i := range x {
			x[i] = Floats(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = Floats(x[k])
		}
	}
	return v
}
