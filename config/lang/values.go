package lang

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/zclconf/go-cty/cty"

	"github.com/mlform/mlform/internal/exactnum"
)

// GoValue turns a known cty value into float64, string, bool, nil, []any
// or map[string]any.
func GoValue(v cty.Value) (any, error) { return goValue(v, false) }

// GoParams is GoValue for params, which reach a trainer: an integer
// float64 cannot hold exactly (a seed above 2^53) is a json.Number with
// every digit, so MLFORM_PARAM_*, the params file and state carry it
// unrounded. Other numbers are float64, as any JSON reader takes them.
func GoParams(v cty.Value) (any, error) { return goValue(v, true) }

func goValue(v cty.Value, exact bool) (any, error) {
	if v.IsNull() {
		return nil, nil
	}
	ty := v.Type()
	switch {
	case ty == cty.String:
		return v.AsString(), nil
	case ty == cty.Bool:
		return v.True(), nil
	case ty == cty.Number:
		bf := v.AsBigFloat()
		f, _ := bf.Float64()
		if math.IsInf(f, 0) {
			return nil, fmt.Errorf("%s is too large", bf.Text('g', 10))
		}
		if exact && bf.IsInt() {
			if digits, ok := exactnum.Integer(bf.Text('f', 0)); ok {
				return json.Number(digits), nil
			}
		}
		return f, nil
	case ty.IsListType() || ty.IsTupleType() || ty.IsSetType():
		out := []any{}
		for it := v.ElementIterator(); it.Next(); {
			_, el := it.Element()
			g, err := goValue(el, exact)
			if err != nil {
				return nil, err
			}
			out = append(out, g)
		}
		return out, nil
	case ty.IsMapType() || ty.IsObjectType():
		out := map[string]any{}
		for it := v.ElementIterator(); it.Next(); {
			k, el := it.Element()
			g, err := goValue(el, exact)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k.AsString(), err)
			}
			out[k.AsString()] = g
		}
		return out, nil
	}
	return nil, fmt.Errorf("values of type %s cannot be used here", ty.FriendlyName())
}

// ConvErrText is a type conversion error's message, without a trailing
// period for embedding, prefixed with where in the value the mismatch is
// (`[0].size: a number is required`), because in a list of objects "a
// number is required" alone does not say which one.
func ConvErrText(err error) string {
	var perr cty.PathError
	// Some cty conversions already say "element 1: ..." themselves.
	if !errors.As(err, &perr) || len(perr.Path) == 0 || strings.Contains(err.Error(), ": ") {
		return strings.TrimSuffix(err.Error(), ".")
	}
	var b strings.Builder
	for _, step := range perr.Path {
		switch s := step.(type) {
		case cty.GetAttrStep:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s.Name)
		case cty.IndexStep:
			switch {
			case s.Key.IsNull() || !s.Key.IsKnown():
				b.WriteString("[?]")
			case s.Key.Type() == cty.String:
				fmt.Fprintf(&b, "[%q]", s.Key.AsString())
			case s.Key.Type() == cty.Number:
				fmt.Fprintf(&b, "[%s]", s.Key.AsBigFloat().Text('f', -1))
			default:
				b.WriteString("[?]")
			}
		}
	}
	if b.Len() == 0 {
		return strings.TrimSuffix(err.Error(), ".")
	}
	return b.String() + ": " + strings.TrimSuffix(err.Error(), ".")
}
