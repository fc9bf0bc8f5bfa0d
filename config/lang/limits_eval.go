package lang

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// Limits on what evaluating a configuration may build. Sizes are counted in
// units: one per value (element, attribute, primitive) plus one per byte
// of every string and object key, counting a value again each time it is
// referenced (that is what printing or encoding it costs).
const (
	// MaxValueSize bounds every function argument list, every function
	// result and every argument's value.
	MaxValueSize = 16 << 20
	// MaxValueDepth bounds how deeply values nest (locals that wrap each
	// other, one level per local).
	MaxValueDepth = 1024
	// maxEvalWork bounds the work of one evaluation context (one block,
	// one gate, the outputs): the sizes of all function results and
	// arguments plus iterationCost per iteration of every for-expression.
	// It allows about 65,000 iterations: HCL takes some microseconds for each.
	maxEvalWork = 64 << 20
	// iterationCost is what one for-expression iteration charges: HCL
	// builds a child context per element, far dearer than a unit of data.
	iterationCost = 1024
	// MaxNumberExponent bounds a number's decimal exponent, either way
	// (1e4096, 1e-4096). A number is one unit of size, but turning it into
	// text (a string conversion, a template, JSON) writes every digit, in
	// time that grows faster than their count: "${1e99999999}" would
	// take hours and gigabytes.
	MaxNumberExponent = 4096
)

// maxBinaryExponent is MaxNumberExponent in powers of two (big.Float's
// exponent): 4096 / log10(2).
const maxBinaryExponent = 13607

// numberTooLongText says why a number is refused.
var numberTooLongText = fmt.Sprintf("numbers may have at most %d digits before or after the decimal point (from 1e-%d to 1e%d)", MaxNumberExponent, MaxNumberExponent, MaxNumberExponent)

// numberTooLong reports whether the number v is beyond MaxNumberExponent.
func numberTooLong(v cty.Value) bool {
	bf := v.AsBigFloat()
	if bf.IsInf() || bf.Sign() == 0 {
		return false
	}
	exp := bf.MantExp(nil)
	return exp > maxBinaryExponent || exp < -maxBinaryExponent
}

// literalTooLong is numberTooLong for a number literal's text; one that
// does not parse is left to the parser to report.
func literalTooLong(lit []byte) bool {
	v, err := cty.ParseNumberVal(string(lit))
	return err == nil && numberTooLong(v)
}

// errNumberTooLong is the limit error for a number beyond MaxNumberExponent.
var errNumberTooLong = fmt.Errorf("%s: %w", numberTooLongText, ErrTooLarge)

// ErrTooLarge is wrapped by every limit error, so callers and tests can
// tell a limit from a wrong value.
var ErrTooLarge = errors.New("exceeds mlform's limits")

// budget counts the work done in one evaluation context. Every function of
// the context charges it, for-expressions too (through loopFuncName), and
// concurrent evaluations (gates of different models) each have their own.
type budget struct {
	used     int64
	reported bool // the first excess is an error; later ones stay quiet
}

// charge adds n units. It returns ErrTooLarge the first time the budget is
// exceeded and quiet=true after that: the first error stops the
// evaluation's result, and repeating it per iteration would only bury it.
func (b *budget) charge(n int64) (quiet bool, err error) {
	b.used += n
	if b.used <= maxEvalWork {
		return false, nil
	}
	if b.reported {
		return true, nil
	}
	b.reported = true
	return false, fmt.Errorf("evaluating this needs more than %d units of work (about %d for-expression iterations, or function arguments and results that size): %w", maxEvalWork, maxEvalWork/iterationCost, ErrTooLarge)
}

// loopFuncName names the hidden function every for-expression's
// collection is passed through (CountLoops). It is not an identifier, so
// no expression can call it; it shares the context's budget.
const loopFuncName = "for expression"

// loopFunc charges the length of each collection a for-expression iterates
// and returns it unchanged: nested for-expressions over big lists iterate
// the product of their lengths, with no other function call to stop them.
func (b *budget) loopFunc() function.Function {
	return b.chargedIdentity("collection", func(v cty.Value) (int64, bool, error) {
		u, _ := v.Unmark()
		if !u.IsKnown() || u.IsNull() || !u.CanIterateElements() {
			return 0, false, nil
		}
		return int64(u.LengthInt()) * iterationCost, true, nil
	})
}

// templatePartFuncName names the hidden function every interpolated part
// of a string template is passed through (CountLoops). Like loopFuncName it
// is not an identifier.
const templatePartFuncName = "template part"

// templatePartFunc charges the size of each interpolated part of a string
// template and returns it unchanged. HCL copies every part into the
// template's string before anything is measured, and a reference costs
// nothing to evaluate: "${local.big}${local.big}..." a thousand times over
// a 16 MiB string would build 16 GB. Once the budget is spent the part is
// unknown, and HCL stops adding to the string.
func (b *budget) templatePartFunc() function.Function {
	return b.chargedIdentity("part", func(v cty.Value) (int64, bool, error) {
		size, _, bigNumber := measure(v, maxEvalWork+1)
		if bigNumber {
			// HCL would write every digit into the string.
			return 0, false, errNumberTooLong
		}
		return size, true, nil
	})
}

// chargedIdentity is a hidden function of one argument, named param, that
// charges the budget what cost says of the argument and returns it
// unchanged, or unknown once the budget is spent (an argument cost does
// not price is passed on free; one it refuses is an error): the loop and
// template part counters.
func (b *budget) chargedIdentity(param string, cost func(cty.Value) (int64, bool, error)) function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{{Name: param, Type: cty.DynamicPseudoType,
			AllowNull: true, AllowUnknown: true, AllowDynamicType: true, AllowMarked: true}},
		Type: func(args []cty.Value) (cty.Type, error) { return args[0].Type(), nil },
		Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
			n, priced, err := cost(args[0])
			if err != nil {
				return cty.UnknownVal(retType), err
			}
			if !priced {
				return args[0], nil
			}
			if quiet, err := b.charge(n); quiet || err != nil {
				return cty.UnknownVal(retType), err
			}
			return args[0], nil
		},
	})
}

// CountLoops passes the collection of every for-expression under node
// through loopFuncName, and every interpolated part of a string template
// through templatePartFuncName (once: what is already passed is left
// alone).
// A call node, rather than a wrapper type, keeps the expression visible to
// everything that walks the syntax tree (references, the graph).
func CountLoops(node hclsyntax.Node) {
	CountLoopsIndexCalls(node)
}

// CallIndex is where the function calls of a file's syntax are, by
// position: the calls inside one block are then found without walking its
// syntax again (CalledFunctions walks it), which for a fleet of blocks
// was a walk of every block.
type CallIndex struct {
	at    []int // start byte of each call, ascending
	names []string
}

// CountLoopsIndexCalls is CountLoops that also indexes every function call
// under node (the loop counters included), in the same walk.
func CountLoopsIndexCalls(node hclsyntax.Node) *CallIndex {
	x := &CallIndex{}
	if node == nil {
		return x
	}
	type call struct {
		at   int
		name string
	}
	var calls []call
	_ = hclsyntax.VisitAll(node, func(n hclsyntax.Node) hcl.Diagnostics {
		if c, ok := n.(*hclsyntax.FunctionCallExpr); ok {
			calls = append(calls, call{c.Range().Start.Byte, c.Name})
		}
		if te, ok := n.(*hclsyntax.TemplateExpr); ok {
			for i, part := range te.Parts {
				if _, lit := part.(*hclsyntax.LiteralValueExpr); lit {
					continue
				}
				if c, done := part.(*hclsyntax.FunctionCallExpr); done && c.Name == templatePartFuncName {
					continue
				}
				rng := part.Range()
				te.Parts[i] = &hclsyntax.FunctionCallExpr{
					Name:            templatePartFuncName,
					Args:            []hclsyntax.Expression{part},
					NameRange:       rng,
					OpenParenRange:  rng,
					CloseParenRange: rng,
				}
			}
			return nil
		}
		fe, ok := n.(*hclsyntax.ForExpr)
		if !ok {
			return nil
		}
		if call, done := fe.CollExpr.(*hclsyntax.FunctionCallExpr); done && call.Name == loopFuncName {
			return nil
		}
		rng := fe.CollExpr.Range()
		fe.CollExpr = &hclsyntax.FunctionCallExpr{
			Name:            loopFuncName,
			Args:            []hclsyntax.Expression{fe.CollExpr},
			NameRange:       rng,
			OpenParenRange:  rng,
			CloseParenRange: rng,
		}
		return nil
	})
	slices.SortStableFunc(calls, func(a, b call) int { return cmp.Compare(a.at, b.at) })
	for _, c := range calls {
		x.at = append(x.at, c.at)
		x.names = append(x.names, c.name)
	}
	return x
}

// In lists the functions called inside r, the range of a block or an
// argument of the indexed file: what CalledFunctions of that node
// returns.
func (x *CallIndex) In(r hcl.Range) map[string]bool {
	called := map[string]bool{}
	i, _ := slices.BinarySearch(x.at, r.Start.Byte)
	for ; i < len(x.at) && x.at[i] < r.End.Byte; i++ {
		called[x.names[i]] = true
	}
	return called
}

// CalledFunctions lists the functions root's syntax calls (every
// for-expression calls the hidden loop counter, after CountLoops).
func CalledFunctions(root hclsyntax.Node) map[string]bool {
	called := map[string]bool{}
	if root == nil {
		return called
	}
	_ = hclsyntax.VisitAll(root, func(x hclsyntax.Node) hcl.Diagnostics {
		if c, ok := x.(*hclsyntax.FunctionCallExpr); ok {
			called[c.Name] = true
		}
		return nil
	})
	return called
}

// sizeOf returns v's size in units and how deeply it nests, stopping once
// the size passes limit (the walk itself is bounded).
func sizeOf(v cty.Value, limit int64) (size int64, depth int) {
	size, depth, _ = measure(v, limit)
	return size, depth
}

// measure is sizeOf that also reports whether v holds a number beyond
// MaxNumberExponent.
func measure(v cty.Value, limit int64) (size int64, depth int, bigNumber bool) {
	var walk func(v cty.Value, d int) bool
	walk = func(v cty.Value, d int) bool {
		v, _ = v.Unmark()
		size++
		depth = max(depth, d)
		if !v.IsKnown() || v.IsNull() {
			return size <= limit
		}
		ty := v.Type()
		switch {
		case ty == cty.String:
			size += int64(len(v.AsString()))
		case ty == cty.Number:
			bigNumber = bigNumber || numberTooLong(v)
		case ty.IsListType() || ty.IsSetType() || ty.IsMapType() || ty.IsTupleType() || ty.IsObjectType():
			for it := v.ElementIterator(); it.Next(); {
				k, e := it.Element()
				if ty.IsMapType() || ty.IsObjectType() {
					kk, _ := k.Unmark()
					size += int64(len(kk.AsString()))
				}
				if size > limit || !walk(e, d+1) {
					return false
				}
			}
		}
		return size <= limit
	}
	walk(v, 1)
	return size, depth, bigNumber
}

// CheckValue reports a value too large or too deeply nested to keep.
func CheckValue(v cty.Value) error {
	size, depth, bigNumber := measure(v, MaxValueSize)
	switch {
	case bigNumber:
		return errNumberTooLong
	case size > MaxValueSize:
		return fmt.Errorf("the value is larger than %d units (string bytes plus elements): %w", MaxValueSize, ErrTooLarge)
	case depth > MaxValueDepth:
		return fmt.Errorf("the value nests deeper than %d levels: %w", MaxValueDepth, ErrTooLarge)
	}
	return nil
}
