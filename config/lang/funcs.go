// Package lang is the expression language under config: the function
// library (Terraform's, with file functions confined to the configuration
// directory), the limits that bound parsing and evaluating expressions
// (nesting, value size, work per evaluation context), and EvalExpr, which
// evaluates an expression under those limits without letting a diagnostic
// quote a sensitive value. It knows nothing of mlform's blocks: config
// decides what is evaluated where.
package lang

import (
	"errors"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// functions returns every function expressions may call. File functions
// read only inside dir. With a budget, every function is guarded (see
// budget.guard) and charges it, and the hidden loopFuncName counts
// for-expression iterations against it.
// Without one (nil: listing names) functions are unguarded.
func functions(dir string, b *budget) map[string]function.Function {
	std := stdFunctions()
	f := make(map[string]function.Function, len(std)+8)
	maps.Copy(f, std)
	fs := fileFuncs{dir: dir}
	f["file"] = fs.fileFunc()
	f["fileexists"] = fs.fileExistsFunc()
	f["filesha256"] = fs.fileSHA256Func()
	if b != nil {
		for name, fn := range f {
			if name != "try" && name != "can" { // they only evaluate other expressions
				f[name] = b.guard(name, fn)
			}
		}
		f[loopFuncName] = b.loopFunc()
		f[templatePartFuncName] = b.templatePartFunc()
	}
	return withTemplateFile(f, fs, b)
}

// stdFunctions is the table of the functions that read no file, unguarded,
// built once: they hold no state, and building them on every call
// (MakeToFunc formats descriptions) was a fifth of a Load of a small
// configuration.
var stdFunctions = sync.OnceValue(func() map[string]function.Function {
	return map[string]function.Function{
		"abs":             stdlib.AbsoluteFunc,
		"ceil":            stdlib.CeilFunc,
		"chomp":           stdlib.ChompFunc,
		"chunklist":       stdlib.ChunklistFunc,
		"coalesce":        coalesceFunc,
		"coalescelist":    stdlib.CoalesceListFunc,
		"compact":         stdlib.CompactFunc,
		"concat":          stdlib.ConcatFunc,
		"contains":        stdlib.ContainsFunc,
		"csvdecode":       stdlib.CSVDecodeFunc,
		"distinct":        stdlib.DistinctFunc,
		"element":         stdlib.ElementFunc,
		"endswith":        endsWithFunc,
		"flatten":         stdlib.FlattenFunc,
		"floor":           stdlib.FloorFunc,
		"format":          stdlib.FormatFunc,
		"formatdate":      stdlib.FormatDateFunc,
		"formatlist":      stdlib.FormatListFunc,
		"indent":          stdlib.IndentFunc,
		"join":            stdlib.JoinFunc,
		"jsondecode":      stdlib.JSONDecodeFunc,
		"jsonencode":      stdlib.JSONEncodeFunc,
		"keys":            stdlib.KeysFunc,
		"length":          lengthFunc,
		"log":             stdlib.LogFunc,
		"lookup":          stdlib.LookupFunc,
		"lower":           stdlib.LowerFunc,
		"max":             stdlib.MaxFunc,
		"merge":           stdlib.MergeFunc,
		"min":             stdlib.MinFunc,
		"parseint":        stdlib.ParseIntFunc,
		"pow":             stdlib.PowFunc,
		"range":           stdlib.RangeFunc,
		"regex":           stdlib.RegexFunc,
		"regexall":        stdlib.RegexAllFunc,
		"replace":         replaceFunc,
		"reverse":         stdlib.ReverseListFunc,
		"setintersection": stdlib.SetIntersectionFunc,
		"setproduct":      stdlib.SetProductFunc,
		"setsubtract":     stdlib.SetSubtractFunc,
		"setunion":        stdlib.SetUnionFunc,
		"signum":          stdlib.SignumFunc,
		"slice":           stdlib.SliceFunc,
		"sort":            stdlib.SortFunc,
		"split":           stdlib.SplitFunc,
		"startswith":      startsWithFunc,
		"strrev":          stdlib.ReverseFunc,
		"substr":          stdlib.SubstrFunc,
		"timeadd":         stdlib.TimeAddFunc,
		"title":           stdlib.TitleFunc,
		"tobool":          stdlib.MakeToFunc(cty.Bool),
		"tolist":          stdlib.MakeToFunc(cty.List(cty.DynamicPseudoType)),
		"tomap":           stdlib.MakeToFunc(cty.Map(cty.DynamicPseudoType)),
		"tonumber":        stdlib.MakeToFunc(cty.Number),
		"toset":           stdlib.MakeToFunc(cty.Set(cty.DynamicPseudoType)),
		"tostring":        stdlib.MakeToFunc(cty.String),
		"trim":            stdlib.TrimFunc,
		"trimprefix":      stdlib.TrimPrefixFunc,
		"trimspace":       stdlib.TrimSpaceFunc,
		"trimsuffix":      stdlib.TrimSuffixFunc,
		"upper":           stdlib.UpperFunc,
		"values":          stdlib.ValuesFunc,
		"zipmap":          stdlib.ZipmapFunc,
		"try":             tryFunc,
		"can":             canFunc,
	}
})

// withTemplateFile adds templatefile to f.
func withTemplateFile(f map[string]function.Function, fs fileFuncs, b *budget) map[string]function.Function {
	// templatefile sees every other function (but not itself: templates
	// cannot recurse into templates), guarded and charging the same budget.
	others := make(map[string]function.Function, len(f))
	for k, v := range f {
		others[k] = v
	}
	tf := fs.templateFileFunc(others)
	if b != nil {
		tf = b.guard("templatefile", tf)
	}
	f["templatefile"] = tf
	return f
}

// Functions is every function, unguarded: the raw table FunctionsFor picks
// from (built once per Load), and the names HCL suggests from.
func Functions(dir string) map[string]function.Function {
	return functions(dir, nil)
}

// NewFunctions is the function table of one evaluation context: guarded,
// with a fresh budget.
func NewFunctions(dir string) map[string]function.Function {
	return functions(dir, &budget{})
}

// LiteralFunctions is the function table of an expression that may call
// none (a module's source): only the hidden functions CountLoops puts into
// every for-expression and string template, so `"./${"x"}"` evaluates as
// it does in HCL, while a call the user wrote is still refused.
func LiteralFunctions() map[string]function.Function {
	b := &budget{}
	return map[string]function.Function{loopFuncName: b.loopFunc(), templatePartFuncName: b.templatePartFunc()}
}

// FunctionsFor is NewFunctions holding only the functions named in called
// (the hidden loop counter among them when called names it: CountLoops
// makes every for-expression call it): guarding every function for every block
// would double the cost of loading. Names that are not functions are left
// out, so HCL reports them as it would anyway. templatefile needs them all.
// raw is Functions(dir), built once per Load.
func FunctionsFor(dir string, raw map[string]function.Function, called map[string]bool) map[string]function.Function {
	if called["templatefile"] {
		return NewFunctions(dir)
	}
	b := &budget{}
	f := make(map[string]function.Function, len(called)+1)
	for name := range called {
		fn, ok := raw[name]
		switch {
		case !ok:
		case name == "try" || name == "can":
			f[name] = fn
		default:
			f[name] = b.guard(name, fn)
		}
	}
	if called[loopFuncName] { // only a for-expression calls it
		f[loopFuncName] = b.loopFunc()
	}
	if called[templatePartFuncName] { // only a string template calls it
		f[templatePartFuncName] = b.templatePartFunc()
	}
	return f
}

// FunctionNames lists the functions the language has, sorted (for docs,
// tests and "Did you mean" suggestions).
func FunctionNames() []string {
	return slices.Clone(functionNames())
}

var functionNames = sync.OnceValue(func() []string {
	return slices.Sorted(maps.Keys(functions(".", nil)))
})

// replaceFunc is Terraform's replace: a substring, or a regular expression
// when the pattern is written /like this/.
var replaceFunc = function.New(&function.Spec{
	Params: []function.Parameter{
		{Name: "str", Type: cty.String},
		{Name: "substr", Type: cty.String},
		{Name: "replace", Type: cty.String},
	},
	Type: function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
		str, sub, rep := args[0].AsString(), args[1].AsString(), args[2].AsString()
		if len(sub) > 1 && strings.HasPrefix(sub, "/") && strings.HasSuffix(sub, "/") {
			re, err := regexp.Compile(sub[1 : len(sub)-1])
			if err != nil {
				return cty.UnknownVal(cty.String), function.NewArgErrorf(1, "invalid regular expression: %s", err)
			}
			return cty.StringVal(re.ReplaceAllString(str, rep)), nil
		}
		return cty.StringVal(strings.ReplaceAll(str, sub, rep)), nil
	},
})

var startsWithFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "str", Type: cty.String}, {Name: "prefix", Type: cty.String}},
	Type:   function.StaticReturnType(cty.Bool),
	Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
		return cty.BoolVal(strings.HasPrefix(args[0].AsString(), args[1].AsString())), nil
	},
})

var endsWithFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "str", Type: cty.String}, {Name: "suffix", Type: cty.String}},
	Type:   function.StaticReturnType(cty.Bool),
	Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
		return cty.BoolVal(strings.HasSuffix(args[0].AsString(), args[1].AsString())), nil
	},
})

// coalesceFunc is Terraform's coalesce: the first argument that is neither
// null nor an empty string.
var coalesceFunc = function.New(&function.Spec{
	VarParam: &function.Parameter{Name: "vals", Type: cty.DynamicPseudoType, AllowNull: true, AllowUnknown: true},
	Type: func(args []cty.Value) (cty.Type, error) {
		types := make([]cty.Type, len(args))
		for i, a := range args {
			types[i] = a.Type()
		}
		ty, _ := convert.UnifyUnsafe(types)
		if ty == cty.NilType {
			return cty.NilType, errors.New("all arguments must have the same type")
		}
		return ty, nil
	},
	RefineResult: func(b *cty.RefinementBuilder) *cty.RefinementBuilder { return b.NotNull() },
	Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
		for _, a := range args {
			if !a.IsKnown() {
				return cty.UnknownVal(retType), nil
			}
			if a.IsNull() {
				continue
			}
			c, err := convert.Convert(a, retType)
			if err != nil {
				return cty.UnknownVal(retType), err
			}
			if c.Type() == cty.String && c.IsKnown() && !c.IsMarked() && c.AsString() == "" {
				continue
			}
			return c, nil
		}
		return cty.NilVal, errors.New("no non-null, non-empty-string arguments")
	},
})

// lengthFunc is Terraform's length: stdlib's counts only collections, but
// users write length(var.name) > 3 in validation conditions, so a string
// counts its characters (grapheme clusters, like strlen).
var lengthFunc = function.New(&function.Spec{
	Params: []function.Parameter{{
		Name:             "value",
		Type:             cty.DynamicPseudoType,
		AllowDynamicType: true,
		AllowUnknown:     true,
		AllowMarked:      true,
	}},
	Type: func(args []cty.Value) (cty.Type, error) {
		ty := args[0].Type()
		if ty == cty.String || ty == cty.DynamicPseudoType || ty.IsCollectionType() || ty.IsTupleType() || ty.IsObjectType() {
			return cty.Number, nil
		}
		return cty.NilType, errors.New("argument must be a string, a collection type, or a structural type")
	},
	RefineResult: func(b *cty.RefinementBuilder) *cty.RefinementBuilder { return b.NotNull() },
	Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
		v, marks := args[0].Unmark()
		switch {
		case !v.IsKnown():
			return cty.UnknownVal(cty.Number).WithMarks(marks), nil
		case v.IsNull():
			return cty.UnknownVal(cty.Number), errors.New("argument must not be null")
		case v.Type() == cty.String:
			n, err := stdlib.Strlen(v)
			return n.WithMarks(marks), err
		case v.Type().IsObjectType():
			return cty.NumberIntVal(int64(len(v.Type().AttributeTypes()))).WithMarks(marks), nil
		default:
			return cty.NumberIntVal(int64(v.LengthInt())).WithMarks(marks), nil
		}
	},
})
