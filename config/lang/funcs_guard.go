package lang

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// sensitiveArgText replaces a function's error message when an argument
// derives from a sensitive variable: messages quote the value ("cannot
// convert "s3cr3t" to number"), so none of them may be shown.
const sensitiveArgText = "the argument is derived from a sensitive value, so why it is not valid is not shown"

// sensitiveCallText is sensitiveArgText for an error about the whole call.
const sensitiveCallText = "an argument is derived from a sensitive value, so why the call failed is not shown"

// guard wraps f so that a call with a sensitive argument gives a sensitive
// result (cty does this for every parameter that does not handle marks
// itself) and an error that does not quote it, and so that no call builds
// a value beyond the limits (MaxValueSize, the evaluation's budget): some
// functions' results grow much faster than their arguments
// (setproduct(range(1000), range(1000), range(1000)) is a billion
// elements), so those are estimated before they run, and every result is
// measured after.
func (b *budget) guard(name string, f function.Function) function.Function {
	params := f.Params()
	ps := make([]function.Parameter, len(params))
	for i, p := range params {
		ps[i] = passThrough(p)
	}
	var vp *function.Parameter
	if v := f.VarParam(); v != nil {
		p := passThrough(*v)
		vp = &p
	}
	return function.New(&function.Spec{
		Description: f.Description(),
		Params:      ps,
		VarParam:    vp,
		Type: func(args []cty.Value) (cty.Type, error) {
			// jsondecode decodes its argument already to find the type.
			if err := jsonNesting(name, args); err != nil {
				return cty.NilType, err
			}
			ty, err := f.ReturnTypeForValues(args)
			return ty, hideSensitiveError(err, args)
		},
		Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
			if quiet, err := b.precheck(name, args); quiet || err != nil {
				return cty.UnknownVal(retType), err
			}
			v, err := f.Call(args)
			if err != nil {
				return cty.UnknownVal(retType), hideSensitiveError(err, args)
			}
			if v.IsWhollyKnown() {
				if err := CheckValue(v); err != nil {
					return cty.UnknownVal(retType), err
				}
				size, _ := sizeOf(v, MaxValueSize)
				if quiet, err := b.charge(size); quiet || err != nil {
					return cty.UnknownVal(retType), err
				}
			}
			return v, nil
		},
	})
}

// passThrough lets every argument reach the wrapped function as given:
// f.Call applies f's own rules for null, unknown and marked values.
func passThrough(p function.Parameter) function.Parameter {
	p.AllowNull, p.AllowUnknown, p.AllowDynamicType, p.AllowMarked = true, true, true, true
	return p
}

// hideSensitiveError replaces err's message when any argument is marked,
// keeping which argument it was about.
func hideSensitiveError(err error, args []cty.Value) error {
	if err == nil || !anyMarked(args) {
		return err
	}
	var ae function.ArgError
	if errors.As(err, &ae) {
		return function.NewArgErrorf(ae.Index, "%s", sensitiveArgText)
	}
	return errors.New(sensitiveCallText)
}

func anyMarked(args []cty.Value) bool {
	for _, a := range args {
		if a.ContainsMarked() {
			return true
		}
	}
	return false
}

// precheck refuses a call whose arguments, or whose estimated result, are
// beyond the limits, before the function allocates anything.
func (b *budget) precheck(name string, args []cty.Value) (quiet bool, err error) {
	var total int64
	for _, a := range args {
		n, _, bigNumber := measure(a, MaxValueSize+1)
		if bigNumber {
			// Converting it to a string parameter writes every digit.
			return false, errNumberTooLong
		}
		total += n
		if total > MaxValueSize {
			return false, fmt.Errorf("the arguments are larger than %d units (string bytes plus elements): %w", MaxValueSize, ErrTooLarge)
		}
	}
	if quiet, err := b.charge(total); quiet || err != nil {
		return quiet, err
	}
	est := estimate(name, plainArgs(args))
	if est > MaxValueSize {
		return false, fmt.Errorf("the result would be larger than %d units (string bytes plus elements): %w", MaxValueSize, ErrTooLarge)
	}
	return false, jsonNesting(name, args)
}

// jsonNesting refuses a jsondecode argument nested beyond MaxNesting: the
// decoder recurses per level.
func jsonNesting(name string, args []cty.Value) error {
	if name != "jsondecode" || len(args) != 1 {
		return nil
	}
	if s := plainArgs(args)[0]; s.Type() == cty.String && s.IsKnown() && !s.IsNull() {
		if err := CheckJSONNesting([]byte(s.AsString())); err != nil {
			return fmt.Errorf("%w: %w", err, ErrTooLarge)
		}
	}
	return nil
}

func plainArgs(args []cty.Value) []cty.Value {
	out := make([]cty.Value, len(args))
	for i, a := range args {
		out[i], _ = a.UnmarkDeep()
	}
	return out
}

// estimate is an upper bound of the size of name's result for functions
// whose result can be much larger than their arguments; 0 for the rest
// (their result is measured after the call). Unknown or ill-typed
// arguments estimate 0: the function reports them.
func estimate(name string, args []cty.Value) float64 {
	switch name {
	case "range":
		return rangeCount(args)
	case "setproduct":
		n := 1.0
		for _, a := range args {
			if !known(a) || !a.CanIterateElements() {
				return 0
			}
			n *= float64(a.LengthInt())
		}
		return n * float64(len(args)+1)
	case "replace":
		if len(args) != 3 || !knownStrings(args...) {
			return 0
		}
		str, sub, rep := args[0].AsString(), args[1].AsString(), args[2].AsString()
		if len(sub) > 1 && strings.HasPrefix(sub, "/") && strings.HasSuffix(sub, "/") {
			// A pattern may match at every position (each match becomes
			// rep), and "$0$0..." repeats the matched text, which adds up
			// to at most len(str) per reference.
			return float64(len(str)+1)*float64(len(rep)) + float64(len(rep)+1)*float64(len(str))
		}
		if sub == "" {
			return float64(len(str)+1)*float64(len(rep)) + float64(len(str))
		}
		return float64(strings.Count(str, sub))*float64(len(rep)) + float64(len(str))
	case "format", "formatlist":
		if len(args) == 0 || !knownStrings(args[0]) {
			return 0
		}
		n := 1.0
		if name == "formatlist" {
			for _, a := range args[1:] {
				if known(a) && (a.Type().IsListType() || a.Type().IsTupleType()) {
					n = math.Max(n, float64(a.LengthInt()))
				}
			}
		}
		return n * (float64(len(args[0].AsString())) + formatWidths(args[0].AsString()) + 1)
	case "indent":
		if len(args) != 2 || !known(args[0]) || args[0].Type() != cty.Number || !knownStrings(args[1]) {
			return 0
		}
		spaces, _ := args[0].AsBigFloat().Float64()
		s := args[1].AsString()
		return math.Max(0, spaces)*float64(strings.Count(s, "\n")+1) + float64(len(s))
	case "join":
		if len(args) < 2 || !knownStrings(args[0]) {
			return 0
		}
		n := 0.0
		for _, a := range args[1:] {
			if known(a) && a.CanIterateElements() {
				n += float64(a.LengthInt())
			}
		}
		return n * float64(len(args[0].AsString()))
	}
	return 0
}

// rangeCount is how many numbers range(args...) returns.
func rangeCount(args []cty.Value) float64 {
	nums := make([]float64, len(args))
	for i, a := range args {
		if !known(a) || a.Type() != cty.Number {
			return 0
		}
		nums[i], _ = a.AsBigFloat().Float64()
	}
	start, limit, step := 0.0, 0.0, 1.0
	switch len(nums) {
	case 1:
		limit = nums[0]
	case 2:
		start, limit = nums[0], nums[1]
		if limit < start {
			step = -1
		}
	case 3:
		start, limit, step = nums[0], nums[1], nums[2]
	default:
		return 0
	}
	if step == 0 {
		return 0
	}
	n := math.Ceil((limit - start) / step)
	if math.IsNaN(n) || n < 0 {
		return 0
	}
	return n
}

// formatWidths sums every width and precision written in a format string
// ("%1000000d" pads to a million characters).
func formatWidths(f string) float64 {
	total := 0.0
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			continue
		}
		for i++; i < len(f); i++ {
			c := f[i]
			if c >= '0' && c <= '9' {
				j := i
				for j < len(f) && f[j] >= '0' && f[j] <= '9' {
					j++
				}
				var n float64
				fmt.Sscan(f[i:j], &n)
				total += n
				i = j - 1
				continue
			}
			if strings.IndexByte("+- #.[]*", c) < 0 {
				break
			}
		}
	}
	return total
}

func known(v cty.Value) bool { return v.IsKnown() && !v.IsNull() }

func knownStrings(vs ...cty.Value) bool {
	for _, v := range vs {
		if !known(v) || v.Type() != cty.String {
			return false
		}
	}
	return true
}
