package config

import (
	"path/filepath"

	"github.com/hashicorp/hcl/v2"

	"github.com/mlform/mlform/config/vars"
)

// Input variables live in config/vars; these are their names in the
// configuration's API.
type (
	// Variable is a declared input variable and its effective value.
	Variable = vars.Variable
	// VarArg is one -var ("name=value") or -var-file (a path) argument.
	VarArg = vars.VarArg
)

// Constants of config/vars in the configuration's API.
const (
	// EnvVarPrefix: environment variables MLFORM_VAR_name set variables.
	EnvVarPrefix = vars.EnvVarPrefix
	// PlannedSource is Variable.Source of a value from LoadOptions.Planned.
	PlannedSource = vars.PlannedSource
	// SensitivePlaceholder replaces a sensitive value wherever it would be shown.
	SensitivePlaceholder = vars.SensitivePlaceholder
	sensitiveMark        = vars.Sensitive
)

func redactDiagnostics(diags hcl.Diagnostics, v map[string]*Variable) hcl.Diagnostics {
	return vars.Redact(diags, v)
}

// given is what the load options give the root module's variables.
func (l *loader) given() vars.Given {
	g := vars.Given{Planned: l.opts.Planned, Getenv: l.opts.Getenv, Args: append([]VarArg(nil), l.opts.Args...)}
	for _, f := range l.varsFiles {
		g.Files = append(g.Files, [2]string{l.display(f), filepath.Join(l.dir, f)})
	}
	for _, f := range l.opts.VarFiles {
		g.Args = append(g.Args, VarArg{File: true, Value: f})
	}
	for _, v := range l.opts.Vars {
		g.Args = append(g.Args, VarArg{Value: v})
	}
	return g
}
