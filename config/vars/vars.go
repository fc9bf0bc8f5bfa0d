package vars

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	hcljson "github.com/hashicorp/hcl/v2/json"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/mlform/mlform/config/lang"
	"github.com/mlform/mlform/config/syntax"
	"github.com/mlform/mlform/config/value"
	"github.com/mlform/mlform/internal/readfile"
	namesuggest "github.com/mlform/mlform/internal/suggest"
)

// Sensitive marks values derived from a sensitive variable; cty carries
// it through every operation and function, so anything computed from a
// secret is known to be secret.
type markType string

// Sensitive is the mark.
const Sensitive markType = "sensitive"

// Suffix names the variables files Load reads beside the configuration.
const Suffix = ".mlfvars"

// EnvVarPrefix is the prefix of environment variables that set input
// variables: MLFORM_VAR_name.
const EnvVarPrefix = "MLFORM_VAR_"

// Set holds the variables of one module while they are declared, given
// values and validated. Problems go to Diags (the loader's); variables
// files read are recorded in Files (for snippets, sensitive values masked).
// Their text is kept nowhere else: it may hold a secret, and what they set
// enters the configuration digest as values (Digest).
type Set struct {
	Dir    string
	Vars   map[string]*Variable
	Diags  *hcl.Diagnostics
	Files  map[string]*hcl.File
	Bad    map[string]bool      // variables without a valid value
	Ranges map[string]hcl.Range // where each variable's value came from

	defaults map[string]*typeexpr.Defaults
	// badFile: a variables file could not be read or parsed, so any
	// variable may have been set in it; none is reported as missing.
	badFile bool
}

// NewSet starts the variables of the module in dir.
func NewSet(dir string, diags *hcl.Diagnostics, files map[string]*hcl.File) *Set {
	return &Set{Dir: dir, Vars: map[string]*Variable{}, Diags: diags, Files: files,
		Bad: map[string]bool{}, Ranges: map[string]hcl.Range{}, defaults: map[string]*typeexpr.Defaults{}}
}

// Given is every value given from outside the configuration, lowest
// precedence first: a saved plan's values, MLFORM_VAR_ environment
// variables (Getenv; nil: os.Getenv), variables files (Files: display
// name and path, in order) and -var / -var-file in command-line order.
type Given struct {
	Planned map[string]cty.Value
	Getenv  func(string) string
	Files   [][2]string
	Args    []VarArg
}

// RawValue is one candidate value for a variable and where it came from.
type RawValue struct {
	Val    cty.Value
	Source string    // for messages: "-var", "prod.mlfvars", ...
	Rng    hcl.Range // where to point a diagnostic
	HasRng bool
}

// Declare reads a variable block's static parts: type, default,
// description, sensitive and nullable. They may not refer to anything.
func (l *Set) Declare(b *hclsyntax.Block) *Variable {
	v := &Variable{Name: b.Labels[0], Type: cty.DynamicPseudoType, Nullable: true, DeclRange: b.DefRange()}
	body := b.Body
	var defaults *typeexpr.Defaults
	if a, ok := body.Attributes["type"]; ok {
		ty, defs, diags := typeexpr.TypeConstraintWithDefaults(a.Expr)
		suggestTypeKeywords(diags)
		*l.Diags = append(*l.Diags, diags...)
		if !diags.HasErrors() {
			v.Type, defaults = ty, defs
		} else {
			l.Bad[v.Name] = true // reported; not also "No value"
		}
	}
	if s, ok := l.StaticString(body, "description"); ok {
		v.Description = s
	}
	if bv, ok := l.StaticBool(body, "sensitive"); ok {
		v.Sensitive = bv
	}
	if bv, ok := l.StaticBool(body, "nullable"); ok {
		v.Nullable = bv
	}
	v.Default = cty.NullVal(v.Type)
	if a, ok := body.Attributes["default"]; ok {
		val, diags := l.StaticValue(a.Expr, "a variable default")
		*l.Diags = append(*l.Diags, diags...)
		if diags.HasErrors() {
			l.Bad[v.Name] = true // reported; not also "No value"
			return v
		}
		if defaults != nil {
			val = defaults.Apply(val)
		}
		conv, err := convert.Convert(val, v.Type)
		if err != nil {
			*l.Diags = append(*l.Diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid default value for variable",
				Detail:   fmt.Sprintf("This default value is not compatible with the variable's type constraint: %s.", lang.ConvErrText(err)),
				Subject:  a.Expr.Range().Ptr(),
			})
			l.Bad[v.Name] = true // reported; not also "No value"
			return v
		}
		if conv.IsNull() && !v.Nullable {
			*l.Diags = append(*l.Diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid default value for variable",
				Detail:   "A null default value is not valid when nullable = false.",
				Subject:  a.Expr.Range().Ptr(),
			})
			l.Bad[v.Name] = true // reported; not also "No value"
			return v
		}
		v.Default, v.HasDefault = conv, true
	}
	l.defaults[v.Name] = defaults
	return v
}

// AssignAll gathers every value given for every variable, in
// ascending precedence (defaults, a saved plan's values, MLFORM_VAR_ environment variables,
// *.mlfvars files in dir alphabetically, then -var-file and -var in
// command-line order), converts the winner to the declared type and marks
// sensitive values.
func (l *Set) AssignAll(g Given) {
	given := map[string]RawValue{}
	for name, val := range g.Planned {
		given[name] = RawValue{Val: val, Source: PlannedSource}
	}
	getenv := g.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	for _, name := range slices.Sorted(maps.Keys(l.Vars)) {
		env := EnvVarPrefix + name
		if s := getenv(env); s != "" {
			if val, ok := l.parseCLIValue(name, s, "environment variable "+env); ok {
				given[name] = RawValue{Val: val, Source: "environment variable " + env}
			}
		}
	}
	for _, f := range g.Files {
		l.readVarsFile(f[0], f[1], given)
	}
	for _, a := range g.Args {
		if a.File {
			l.readVarsFile(a.Value, a.Value, given)
			continue
		}
		l.parseVarFlag(a.Value, given)
	}
	for _, name := range slices.Sorted(maps.Keys(l.Vars)) {
		l.Assign(l.Vars[name], given[name])
	}
}

func (l *Set) Assign(v *Variable, rv RawValue) {
	if rv.Source == "" {
		if !v.HasDefault && (l.Bad[v.Name] || l.badFile) {
			// Its type, default or given value is already reported, or a
			// variables file that may set it could not be read.
			v.Value = cty.DynamicVal
			l.Bad[v.Name] = true
			return
		}
		if !v.HasDefault {
			*l.Diags = append(*l.Diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "No value for required variable",
				Detail: fmt.Sprintf("The input variable %q is not set and has no default value. Set it with -var=%q, -var-file, a *%s file or the environment variable %s%s.",
					v.Name, v.Name+"=...", Suffix, EnvVarPrefix, v.Name),
				Subject: v.DeclRange.Ptr(),
			})
			v.Value = cty.DynamicVal
			l.Bad[v.Name] = true
			return
		}
		v.Value, v.Source = v.Default, "default"
		l.Ranges[v.Name] = v.DeclRange
		return
	}
	subject := v.DeclRange
	if rv.HasRng {
		subject = rv.Rng
	}
	l.Ranges[v.Name] = subject
	val := rv.Val
	if d := l.defaults[v.Name]; d != nil && !val.IsNull() {
		val = d.Apply(val)
	}
	tooLarge := func(val cty.Value) bool {
		err := lang.CheckValue(val)
		if err == nil {
			return false
		}
		*l.Diags = append(*l.Diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid value for variable",
			Detail:   fmt.Sprintf("The value for var.%s from %s is not allowed: %s.", v.Name, rv.Source, strings.TrimSuffix(err.Error(), ".")),
			Subject:  subject.Ptr(),
		})
		v.Value = cty.DynamicVal
		l.Bad[v.Name] = true
		return true
	}
	// Before converting (a number beyond the limits would take hours to
	// turn into a string variable's text) and after (-var=n=1e99999999 is
	// text until it becomes a number variable's value).
	if tooLarge(val) {
		return
	}
	conv, err := convert.Convert(val, v.Type)
	if err != nil {
		// The path inside the value says which element is wrong, but for a
		// sensitive variable its map keys are part of the secret.
		why := lang.ConvErrText(err)
		if v.Sensitive {
			why = "a value of type " + v.Type.FriendlyName() + " is required"
		}
		*l.Diags = append(*l.Diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid value for variable",
			Detail: fmt.Sprintf("The value for var.%s from %s is not suitable for its type constraint (declared at %s): %s.",
				v.Name, rv.Source, syntax.RangeString(v.DeclRange), why),
			Subject: subject.Ptr(),
		})
		v.Value = cty.DynamicVal
		l.Bad[v.Name] = true
		return
	}
	if conv.IsNull() && !v.Nullable {
		if v.HasDefault {
			conv = v.Default
		} else {
			*l.Diags = append(*l.Diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid value for variable",
				Detail:   fmt.Sprintf("var.%s is declared with nullable = false, but %s sets it to null.", v.Name, rv.Source),
				Subject:  subject.Ptr(),
			})
			v.Value = cty.DynamicVal
			l.Bad[v.Name] = true
			return
		}
	}
	if tooLarge(conv) {
		return
	}
	v.Value, v.Source = conv, rv.Source
}

// parseVarFlag handles one -var "name=value".
func (l *Set) parseVarFlag(arg string, given map[string]RawValue) {
	name, value, ok := strings.Cut(arg, "=")
	name = strings.TrimSpace(name)
	if !ok || name == "" {
		// The text may be a secret typed without its name: echo it only
		// when it is a declared variable's name missing its value.
		detail := "A -var option must be a variable name and a value separated by an equals sign, like -var='name=value'."
		if _, isName := l.Vars[strings.TrimSpace(arg)]; isName {
			detail = fmt.Sprintf("-var=%s has no value: write -var='%s=VALUE'.", arg, arg)
		}
		*l.Diags = append(*l.Diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid -var option", Detail: detail})
		return
	}
	if _, declared := l.Vars[name]; !declared {
		detail := fmt.Sprintf("A variable named %q was assigned with -var, but no variable block declares it.", name)
		if s := namesuggest.Closest(name, slices.Collect(maps.Keys(l.Vars))); s != "" {
			detail += fmt.Sprintf(" Did you mean %q?", s)
		} else {
			detail += " To use this value, add a variable block to the configuration."
		}
		*l.Diags = append(*l.Diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Value for undeclared variable", Detail: detail})
		return
	}
	if val, ok := l.parseCLIValue(name, value, "-var"); ok {
		given[name] = RawValue{Val: val, Source: "-var"}
	}
}

// parseCLIValue reads a value given as a string (-var, MLFORM_VAR_): taken
// literally for primitive or unconstrained types, parsed as an HCL
// expression (no references, no functions) for collections and objects.
func (l *Set) parseCLIValue(name, s, source string) (cty.Value, bool) {
	v := l.Vars[name]
	if v.Type == cty.DynamicPseudoType || v.Type.IsPrimitiveType() {
		return cty.StringVal(s), true
	}
	filename := fmt.Sprintf("<value for var.%s>", name)
	diags := lang.CheckExprNesting([]byte(s), filename)
	var expr hclsyntax.Expression
	if !diags.HasErrors() {
		expr, diags = hclsyntax.ParseExpression([]byte(s), filename, hcl.InitialPos)
	}
	if !diags.HasErrors() {
		var val cty.Value
		val, diags = LiteralValue(expr, "a "+source+" value")
		if !diags.HasErrors() {
			return val, true
		}
	}
	detail := fmt.Sprintf("The value for var.%s from %s must be an HCL expression of type %s, like", name, source, v.Type.FriendlyName())
	switch {
	case v.Type.IsListType() || v.Type.IsSetType() || v.Type.IsTupleType():
		detail += ` ["a", "b"].`
	default:
		detail += ` { key = "value" }.`
	}
	if !v.Sensitive {
		detail += " " + value.FirstDiagText(diags)
	}
	*l.Diags = append(*l.Diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid value for variable", Detail: detail})
	l.Bad[name] = true
	return cty.NilVal, false
}

// readVarsFile reads a *.mlfvars or -var-file file: `name = value` lines in
// HCL syntax, literal values only. Undeclared names are a warning (a shared
// file may set variables some workspaces do not declare).
func (l *Set) readVarsFile(display, path string, given map[string]RawValue) {
	src, err := readfile.Read(path, lang.MaxFileSize)
	if err != nil {
		*l.Diags = append(*l.Diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Cannot read variables file",
			Detail:   fmt.Sprintf("Reading %s: %v.", display, value.ErrText(err)),
		})
		l.badFile = true
		return
	}
	f, attrs, diags := parseVarsFile(src, display)
	if f != nil {
		if diags.HasErrors() {
			l.Files[display] = l.maskUnparsed(f, display)
		} else {
			l.Files[display] = l.maskSensitive(f, attrs)
		}
	}
	*l.Diags = append(*l.Diags, diags...)
	if diags.HasErrors() {
		l.badFile = true
		return
	}
	for _, a := range attrs {
		name := a.Name
		if _, declared := l.Vars[name]; !declared {
			detail := fmt.Sprintf("%s sets %q, but no variable block declares it; the value is ignored.", display, name)
			if s := namesuggest.Closest(name, slices.Collect(maps.Keys(l.Vars))); s != "" {
				detail += fmt.Sprintf(" Did you mean %q?", s)
			}
			*l.Diags = append(*l.Diags, &hcl.Diagnostic{
				Severity: hcl.DiagWarning,
				Summary:  "Value for undeclared variable",
				Detail:   detail,
				Subject:  a.NameRange.Ptr(),
			})
			continue
		}
		var val cty.Value
		var vd hcl.Diagnostics
		if strings.HasSuffix(display, ".json") {
			// nil context: JSON strings are literal, "${...}" is not a template.
			val, vd = a.Expr.Value(nil)
		} else {
			val, vd = LiteralValue(a.Expr, "a variables file")
		}
		if l.Vars[name].Sensitive {
			vd = hideLiteralDiags(vd, name)
		}
		*l.Diags = append(*l.Diags, vd...)
		if vd.HasErrors() {
			l.Bad[name] = true // reported; not also "No value"
			continue
		}
		given[name] = RawValue{Val: val, Source: display, Rng: a.Expr.Range(), HasRng: true}
	}
}

// LiteralValue evaluates an expression that may not refer to anything nor
// call functions (variable values from outside the configuration).
func LiteralValue(expr hcl.Expression, what string) (cty.Value, hcl.Diagnostics) {
	if diags := refuseReferences(expr, "%s must be a literal value; it cannot refer to %s.", what); diags != nil {
		return cty.NilVal, diags
	}
	// A string template or for-expression of a configuration file calls
	// a hidden function (lang.CountLoops); any other call is refused.
	funcs := lang.LiteralFunctions()
	if node, ok := expr.(hclsyntax.Node); ok {
		var diags hcl.Diagnostics
		_ = hclsyntax.VisitAll(node, func(n hclsyntax.Node) hcl.Diagnostics {
			if c, ok := n.(*hclsyntax.FunctionCallExpr); ok && diags == nil {
				if _, hidden := funcs[c.Name]; !hidden {
					diags = hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Function calls not allowed",
						Detail: "Functions may not be called here.", Subject: c.Range().Ptr()}}
				}
			}
			return nil
		})
		if diags != nil {
			return cty.NilVal, diags
		}
		if diags := syntax.DuplicateKeysIn(node); diags.HasErrors() {
			return cty.NilVal, diags
		}
	}
	return expr.Value(&hcl.EvalContext{Functions: funcs})
}

// StaticValue evaluates an expression that may call functions but not
// refer to anything (variable defaults, the mlform block).
func (l *Set) StaticValue(expr hcl.Expression, what string) (cty.Value, hcl.Diagnostics) {
	if diags := refuseReferences(expr, "%s cannot refer to %s: it is read before anything else is evaluated.", what); diags != nil {
		return cty.NilVal, diags
	}
	return lang.EvalExpr(expr, &hcl.EvalContext{Functions: lang.NewFunctions(l.Dir)})
}

// refuseReferences reports the first reference in expr, with a detail
// formatted from what (capitalised) and the reference.
func refuseReferences(expr hcl.Expression, format, what string) hcl.Diagnostics {
	vars := expr.Variables()
	if len(vars) == 0 {
		return nil
	}
	return hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  "Variables not allowed",
		Detail:   fmt.Sprintf(format, capitalize(what), syntax.TraversalString(vars[0])),
		Subject:  vars[0].SourceRange().Ptr(),
	}}
}

func (l *Set) StaticString(body *hclsyntax.Body, name string) (string, bool) {
	a, ok := body.Attributes[name]
	if !ok {
		return "", false
	}
	val, diags := l.StaticValue(a.Expr, "argument "+name)
	if diags.HasErrors() {
		*l.Diags = append(*l.Diags, diags...)
		return "", false
	}
	s, err := convert.Convert(val, cty.String)
	if err != nil || s.IsNull() {
		*l.Diags = append(*l.Diags, value.TypeDiag(name, "a string", a.Expr, err))
		return "", false
	}
	return s.AsString(), true
}

func (l *Set) StaticBool(body *hclsyntax.Body, name string) (bool, bool) {
	a, ok := body.Attributes[name]
	if !ok {
		return false, false
	}
	val, diags := l.StaticValue(a.Expr, "argument "+name)
	if diags.HasErrors() {
		*l.Diags = append(*l.Diags, diags...)
		return false, false
	}
	b, err := convert.Convert(val, cty.Bool)
	if err != nil || b.IsNull() {
		*l.Diags = append(*l.Diags, value.TypeDiag(name, "a bool", a.Expr, err))
		return false, false
	}
	return b.True(), true
}

// utf8BOM is the UTF-8 byte order mark.
var utf8BOM = []byte{0xef, 0xbb, 0xbf}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// parseVarsFile parses a variables file: JSON (one object of name: value)
// when its name ends in .json, as Terraform reads *.tfvars.json, otherwise
// HCL `name = value` lines. Attributes come back in source order.
func parseVarsFile(src []byte, display string) (*hcl.File, []*hcl.Attribute, hcl.Diagnostics) {
	if diags := lang.CheckText(src, display); diags.HasErrors() {
		return lang.EmptyFile(src, display), nil, diags
	}
	if strings.HasSuffix(display, ".json") {
		if bytes.HasPrefix(src, utf8BOM) {
			// JSON has no byte order mark, and the parser's own errors
			// ("Invalid start of value", "Root value must be object")
			// point at a character editors do not show.
			return lang.EmptyFile(src, display), nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid variables file", Detail: fmt.Sprintf("%s starts with a UTF-8 byte order mark (as PowerShell and Windows editors write), which JSON does not allow: save it as UTF-8 without one.", display), Subject: &hcl.Range{Filename: display, Start: hcl.InitialPos, End: hcl.Pos{Line: 1, Column: 2, Byte: len(utf8BOM)}}}}
		}
		if err := lang.CheckJSONNesting(src); err != nil {
			// Point at the bracket that goes too deep, as every other
			// problem in a variables file is pointed at.
			_, at := lang.JSONDepth(src, lang.MaxNesting)
			return lang.EmptyFile(src, display), nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid variables file", Detail: fmt.Sprintf("%s: %s.", display, err), Subject: lang.ByteRange(src, display, at).Ptr()}}
		}
		f, diags := hcljson.Parse(src, display)
		if diags.HasErrors() {
			return f, nil, diags
		}
		attrs, ad := f.Body.JustAttributes()
		diags = append(diags, ad...)
		list := make([]*hcl.Attribute, 0, len(attrs))
		for _, a := range attrs {
			list = append(list, a)
		}
		sort.Slice(list, func(i, j int) bool { return list[i].Range.Start.Byte < list[j].Range.Start.Byte })
		return f, list, diags
	}
	if diags := lang.CheckNesting(src, display); diags.HasErrors() {
		return lang.EmptyFile(src, display), nil, diags
	}
	f, diags := hclsyntax.ParseConfig(src, display, hcl.InitialPos)
	if diags.HasErrors() {
		return f, nil, diags
	}
	body := f.Body.(*hclsyntax.Body)
	for _, b := range body.Blocks {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Unexpected block in variables file",
			Detail:   fmt.Sprintf("A variables file holds only `name = value` lines; %q is a block.", b.Type),
			Subject:  b.DefRange().Ptr(),
		})
	}
	var list []*hcl.Attribute
	for _, name := range syntax.SortedAttrNames(body) {
		list = append(list, body.Attributes[name].AsHCLAttribute())
	}
	return f, list, diags
}

// maskSensitive returns f with the values of sensitive variables overwritten
// by '*' (newlines kept, so every position stays valid): diagnostics quote
// source lines as snippets, and a secret set in a variables file must not
// appear in them. Undeclared names are masked too: their value is ignored,
// and the usual way a secret lands there is a misspelt name of a sensitive
// variable (`tokn = "..."`), whose warning quotes the line.
func (l *Set) maskSensitive(f *hcl.File, attrs []*hcl.Attribute) *hcl.File {
	var masked []byte
	for _, a := range attrs {
		v, ok := l.Vars[a.Name]
		if ok && !v.Sensitive {
			continue
		}
		if masked == nil {
			masked = append([]byte(nil), f.Bytes...)
		}
		r := a.Expr.Range()
		for i := r.Start.Byte; i < r.End.Byte && i < len(masked); i++ {
			if masked[i] != '\n' && masked[i] != '\r' {
				masked[i] = '*'
			}
		}
	}
	if masked == nil {
		return f
	}
	c := *f
	c.Bytes = masked
	return &c
}

// Variable is a declared input variable and its effective value.
type Variable struct {
	Name        string
	Description string
	Type        cty.Type // cty.DynamicPseudoType when no type is given
	Default     cty.Value
	HasDefault  bool
	Sensitive   bool
	Nullable    bool
	// Value is the effective value after precedence, conversion and
	// validation. It is never marked; when Sensitive is set it must not be
	// printed, logged or recorded.
	Value cty.Value
	// Source says where Value came from: "default", a file name,
	// "environment variable MLFORM_VAR_x" or "-var".
	Source    string
	DeclRange hcl.Range
}

// PlannedSource is Variable.Source of a value from LoadOptions.Planned.
const PlannedSource = "the saved plan"

// VarArg is one -var ("name=value") or -var-file (a path) argument.
type VarArg struct {
	File  bool
	Value string
}

// Validate runs a variable's validation blocks against its value.
func (l *Set) Validate(b *hclsyntax.Block, ctx *hcl.EvalContext) {
	v := l.Vars[b.Labels[0]]
	if v == nil || v.Value == cty.NilVal || !v.Value.IsWhollyKnown() {
		return
	}
	for _, vb := range b.Body.Blocks {
		if vb.Type != "validation" {
			continue
		}
		ca, okc := vb.Body.Attributes["condition"]
		ma, okm := vb.Body.Attributes["error_message"]
		if !okc || !okm {
			continue
		}
		cond, diags := lang.EvalExpr(ca.Expr, ctx)
		*l.Diags = append(*l.Diags, diags...)
		if diags.HasErrors() {
			continue
		}
		cond, _ = cond.Unmark()
		c, err := convert.Convert(cond, cty.Bool)
		if err != nil || c.IsNull() || !c.IsKnown() {
			*l.Diags = append(*l.Diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid validation condition",
				Detail:   "The condition must be a bool (true or false).",
				Subject:  ca.Expr.Range().Ptr(),
			})
			continue
		}
		if c.True() {
			continue
		}
		msg := "The value is not valid."
		if mv, md := lang.EvalExpr(ma.Expr, ctx); !md.HasErrors() {
			if mv.ContainsMarked() {
				msg = "The value is not valid (the error message refers to a sensitive value and is not shown)."
			} else if ms, err := convert.Convert(mv, cty.String); err == nil && !ms.IsNull() {
				msg = ms.AsString()
			}
		}
		subject := l.Ranges[v.Name]
		*l.Diags = append(*l.Diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid value for variable",
			Detail:   fmt.Sprintf("%s\n\nvar.%s (from %s) failed the validation rule at %s.", msg, v.Name, v.Source, syntax.RangeString(ca.Expr.Range())),
			Subject:  subject.Ptr(),
		})
	}
}

// typeKeywords are the words a type constraint is written with.
var typeKeywords = []string{"string", "number", "bool", "any", "list", "map", "set", "object", "tuple", "optional"}

// suggestTypeKeywords adds "Did you mean" to HCL's errors for a misspelt
// type keyword (type = numbr) or constructor (type = lst(string)).
func suggestTypeKeywords(diags hcl.Diagnostics) {
	for _, d := range diags {
		var word string
		if _, err := fmt.Sscanf(d.Detail, "The keyword %q is not a valid type specification.", &word); err != nil || word == "" {
			if _, err := fmt.Sscanf(d.Detail, "Keyword %q is not a valid type constructor.", &word); err != nil || word == "" {
				continue
			}
		}
		if s := namesuggest.Closest(word, typeKeywords); s != "" {
			d.Detail += fmt.Sprintf(" Did you mean %q?", s)
		}
	}
}
