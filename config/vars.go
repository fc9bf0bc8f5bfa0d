package config

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	hcljson "github.com/hashicorp/hcl/v2/json"
	"github.com/mlform/mlform/config/lang"
	"github.com/mlform/mlform/internal/readfile"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// sensitiveMark marks values derived from a sensitive variable; cty carries
// it through every operation and function, so anything computed from a
// secret is known to be secret.
type sensitiveMarkType struct{}

var sensitiveMark = sensitiveMarkType{}

// EnvVarPrefix is the prefix of environment variables that set input
// variables: MLFORM_VAR_name.
const EnvVarPrefix = "MLFORM_VAR_"

// rawValue is one candidate value for a variable and where it came from.
type rawValue struct {
	val    cty.Value
	source string    // for messages: "-var", "prod.mlfvars", ...
	rng    hcl.Range // where to point a diagnostic
	hasRng bool
}

// decodeVariable reads a variable block's static parts: type, default,
// description, sensitive and nullable. They may not refer to anything.
func (l *loader) decodeVariable(b *hclsyntax.Block) *Variable {
	v := &Variable{Name: b.Labels[0], Type: cty.DynamicPseudoType, Nullable: true, DeclRange: b.DefRange()}
	body := b.Body
	var defaults *typeexpr.Defaults
	if a, ok := body.Attributes["type"]; ok {
		ty, defs, diags := typeexpr.TypeConstraintWithDefaults(a.Expr)
		l.diags = append(l.diags, diags...)
		if !diags.HasErrors() {
			v.Type, defaults = ty, defs
		} else {
			l.badVars[v.Name] = true // reported; not also "No value"
		}
	}
	if s, ok := l.staticString(body, "description"); ok {
		v.Description = s
	}
	if bv, ok := l.staticBool(body, "sensitive"); ok {
		v.Sensitive = bv
	}
	if bv, ok := l.staticBool(body, "nullable"); ok {
		v.Nullable = bv
	}
	v.Default = cty.NullVal(v.Type)
	if a, ok := body.Attributes["default"]; ok {
		val, diags := l.staticValue(a.Expr, "a variable default")
		l.diags = append(l.diags, diags...)
		if diags.HasErrors() {
			l.badVars[v.Name] = true // reported; not also "No value"
			return v
		}
		if defaults != nil {
			val = defaults.Apply(val)
		}
		conv, err := convert.Convert(val, v.Type)
		if err != nil {
			l.diags = append(l.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid default value for variable",
				Detail:   fmt.Sprintf("This default value is not compatible with the variable's type constraint: %s.", lang.ConvErrText(err)),
				Subject:  a.Expr.Range().Ptr(),
			})
			l.badVars[v.Name] = true // reported; not also "No value"
			return v
		}
		if conv.IsNull() && !v.Nullable {
			l.diags = append(l.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid default value for variable",
				Detail:   "A null default value is not valid when nullable = false.",
				Subject:  a.Expr.Range().Ptr(),
			})
			l.badVars[v.Name] = true // reported; not also "No value"
			return v
		}
		v.Default, v.HasDefault = conv, true
	}
	l.varDefaults[v.Name] = defaults
	return v
}

// assignVariables gathers every value given for every variable, in
// ascending precedence (defaults, a saved plan's values, MLFORM_VAR_ environment variables,
// *.mlfvars files in dir alphabetically, then -var-file and -var in
// command-line order), converts the winner to the declared type and marks
// sensitive values.
func (l *loader) assignVariables() {
	given := map[string]rawValue{}
	for name, val := range l.opts.Planned {
		given[name] = rawValue{val: val, source: PlannedSource}
	}
	getenv := l.opts.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	for _, name := range slices.Sorted(maps.Keys(l.cfg.Variables)) {
		env := EnvVarPrefix + name
		if s := getenv(env); s != "" {
			if val, ok := l.parseCLIValue(name, s, "environment variable "+env); ok {
				given[name] = rawValue{val: val, source: "environment variable " + env}
			}
		}
	}
	for _, f := range l.varsFiles {
		l.readVarsFile(l.display(f), filepath.Join(l.dir, f), given)
	}
	args := append([]VarArg(nil), l.opts.Args...)
	for _, f := range l.opts.VarFiles {
		args = append(args, VarArg{File: true, Value: f})
	}
	for _, v := range l.opts.Vars {
		args = append(args, VarArg{Value: v})
	}
	for _, a := range args {
		if a.File {
			l.readVarsFile(a.Value, a.Value, given)
			continue
		}
		l.parseVarFlag(a.Value, given)
	}
	for _, name := range slices.Sorted(maps.Keys(l.cfg.Variables)) {
		l.assignVariable(l.cfg.Variables[name], given[name])
	}
}

func (l *loader) assignVariable(v *Variable, rv rawValue) {
	if rv.source == "" {
		if !v.HasDefault && l.badVars[v.Name] {
			v.Value = cty.DynamicVal // its type or default is already reported
			return
		}
		if !v.HasDefault {
			l.diags = append(l.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "No value for required variable",
				Detail: fmt.Sprintf("The input variable %q is not set and has no default value. Set it with -var=%q, -var-file, a *%s file or the environment variable %s%s.",
					v.Name, v.Name+"=...", VarsSuffix, EnvVarPrefix, v.Name),
				Subject: v.DeclRange.Ptr(),
			})
			v.Value = cty.DynamicVal
			l.badVars[v.Name] = true
			return
		}
		v.Value, v.Source = v.Default, "default"
		l.varRanges[v.Name] = v.DeclRange
		return
	}
	subject := v.DeclRange
	if rv.hasRng {
		subject = rv.rng
	}
	l.varRanges[v.Name] = subject
	val := rv.val
	if d := l.varDefaults[v.Name]; d != nil && !val.IsNull() {
		val = d.Apply(val)
	}
	conv, err := convert.Convert(val, v.Type)
	if err != nil {
		// The path inside the value says which element is wrong, but for a
		// sensitive variable its map keys are part of the secret.
		why := lang.ConvErrText(err)
		if v.Sensitive {
			why = "a value of type " + v.Type.FriendlyName() + " is required"
		}
		l.diags = append(l.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid value for variable",
			Detail: fmt.Sprintf("The value for var.%s from %s is not suitable for its type constraint (declared at %s): %s.",
				v.Name, rv.source, rangeString(v.DeclRange), why),
			Subject: subject.Ptr(),
		})
		v.Value = cty.DynamicVal
		l.badVars[v.Name] = true
		return
	}
	if conv.IsNull() && !v.Nullable {
		if v.HasDefault {
			conv = v.Default
		} else {
			l.diags = append(l.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid value for variable",
				Detail:   fmt.Sprintf("var.%s is declared with nullable = false, but %s sets it to null.", v.Name, rv.source),
				Subject:  subject.Ptr(),
			})
			v.Value = cty.DynamicVal
			l.badVars[v.Name] = true
			return
		}
	}
	v.Value, v.Source = conv, rv.source
}

// parseVarFlag handles one -var "name=value".
func (l *loader) parseVarFlag(arg string, given map[string]rawValue) {
	name, value, ok := strings.Cut(arg, "=")
	name = strings.TrimSpace(name)
	if !ok || name == "" {
		// The text may be a secret typed without its name: echo it only
		// when it is a declared variable's name missing its value.
		detail := "A -var option must be a variable name and a value separated by an equals sign, like -var='name=value'."
		if _, isName := l.cfg.Variables[strings.TrimSpace(arg)]; isName {
			detail = fmt.Sprintf("-var=%s has no value: write -var='%s=VALUE'.", arg, arg)
		}
		l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid -var option", Detail: detail})
		return
	}
	if _, declared := l.cfg.Variables[name]; !declared {
		detail := fmt.Sprintf("A variable named %q was assigned with -var, but no variable block declares it.", name)
		if s := suggest(name, keys(l.cfg.Variables)); s != "" {
			detail += fmt.Sprintf(" Did you mean %q?", s)
		} else {
			detail += " To use this value, add a variable block to the configuration."
		}
		l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Value for undeclared variable", Detail: detail})
		return
	}
	if val, ok := l.parseCLIValue(name, value, "-var"); ok {
		given[name] = rawValue{val: val, source: "-var"}
	}
}

// parseCLIValue reads a value given as a string (-var, MLFORM_VAR_): taken
// literally for primitive or unconstrained types, parsed as an HCL
// expression (no references, no functions) for collections and objects.
func (l *loader) parseCLIValue(name, s, source string) (cty.Value, bool) {
	v := l.cfg.Variables[name]
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
		val, diags = l.literalValue(expr, "a "+source+" value")
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
		detail += " " + firstDiagText(diags)
	}
	l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid value for variable", Detail: detail})
	l.badVars[name] = true
	return cty.NilVal, false
}

// readVarsFile reads a *.mlfvars or -var-file file: `name = value` lines in
// HCL syntax, literal values only. Undeclared names are a warning (a shared
// file may set variables some workspaces do not declare).
func (l *loader) readVarsFile(display, path string, given map[string]rawValue) {
	src, err := readfile.Read(path, lang.MaxFileSize)
	if err != nil {
		l.diags = append(l.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Cannot read variables file",
			Detail:   fmt.Sprintf("Reading %s: %v.", display, errText(err)),
		})
		return
	}
	f, attrs, diags := parseVarsFile(src, display)
	if f != nil {
		l.cfg.Files[display] = l.maskSensitive(f, attrs)
	}
	l.rawFiles[display] = src
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		return
	}
	for _, a := range attrs {
		name := a.Name
		if _, declared := l.cfg.Variables[name]; !declared {
			detail := fmt.Sprintf("%s sets %q, but no variable block declares it; the value is ignored.", display, name)
			if s := suggest(name, keys(l.cfg.Variables)); s != "" {
				detail += fmt.Sprintf(" Did you mean %q?", s)
			}
			l.diags = append(l.diags, &hcl.Diagnostic{
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
			val, vd = l.literalValue(a.Expr, "a variables file")
		}
		l.diags = append(l.diags, vd...)
		if vd.HasErrors() {
			continue
		}
		given[name] = rawValue{val: val, source: display, rng: a.Expr.Range(), hasRng: true}
	}
}

// literalValue evaluates an expression that may not refer to anything nor
// call functions (variable values from outside the configuration).
func (l *loader) literalValue(expr hcl.Expression, what string) (cty.Value, hcl.Diagnostics) {
	if diags := refuseReferences(expr, "%s must be a literal value; it cannot refer to %s.", what); diags != nil {
		return cty.NilVal, diags
	}
	return expr.Value(&hcl.EvalContext{})
}

// staticValue evaluates an expression that may call functions but not
// refer to anything (variable defaults, the mlform block).
func (l *loader) staticValue(expr hcl.Expression, what string) (cty.Value, hcl.Diagnostics) {
	if diags := refuseReferences(expr, "%s cannot refer to %s: it is read before anything else is evaluated.", what); diags != nil {
		return cty.NilVal, diags
	}
	return evalExpr(expr, &hcl.EvalContext{Functions: lang.NewFunctions(l.dir)})
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
		Detail:   fmt.Sprintf(format, capitalize(what), traversalString(vars[0])),
		Subject:  vars[0].SourceRange().Ptr(),
	}}
}

func (l *loader) staticString(body *hclsyntax.Body, name string) (string, bool) {
	a, ok := body.Attributes[name]
	if !ok {
		return "", false
	}
	val, diags := l.staticValue(a.Expr, "argument "+name)
	if diags.HasErrors() {
		l.diags = append(l.diags, diags...)
		return "", false
	}
	s, err := convert.Convert(val, cty.String)
	if err != nil || s.IsNull() {
		l.diags = append(l.diags, typeDiag(name, "a string", a.Expr, err))
		return "", false
	}
	return s.AsString(), true
}

func (l *loader) staticBool(body *hclsyntax.Body, name string) (bool, bool) {
	a, ok := body.Attributes[name]
	if !ok {
		return false, false
	}
	val, diags := l.staticValue(a.Expr, "argument "+name)
	if diags.HasErrors() {
		l.diags = append(l.diags, diags...)
		return false, false
	}
	b, err := convert.Convert(val, cty.Bool)
	if err != nil || b.IsNull() {
		l.diags = append(l.diags, typeDiag(name, "a bool", a.Expr, err))
		return false, false
	}
	return b.True(), true
}

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
	if strings.HasSuffix(display, ".json") {
		if err := lang.CheckJSONNesting(src); err != nil {
			return lang.EmptyFile(src, display), nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid variables file", Detail: fmt.Sprintf("%s: %s.", display, err)}}
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
	for _, name := range sortedAttrNames(body) {
		list = append(list, body.Attributes[name].AsHCLAttribute())
	}
	return f, list, diags
}

// maskSensitive returns f with the values of sensitive variables overwritten
// by '*' (newlines kept, so every position stays valid): diagnostics quote
// source lines as snippets, and a secret set in a variables file must not
// appear in them.
func (l *loader) maskSensitive(f *hcl.File, attrs []*hcl.Attribute) *hcl.File {
	var masked []byte
	for _, a := range attrs {
		v, ok := l.cfg.Variables[a.Name]
		if !ok || !v.Sensitive {
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
