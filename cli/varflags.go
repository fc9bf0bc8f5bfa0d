package cli

import (
	"github.com/spf13/pflag"
	"github.com/zclconf/go-cty/cty"

	"github.com/mlform/mlform/cli/flags"

	"github.com/mlform/mlform/config"
)

// varFlags are -var and -var-file, shared by every command that loads the
// configuration. Both append to one list so their command-line order (which
// decides precedence) is kept.
type varFlags struct {
	args []config.VarArg
	// planned are a saved plan's variable values (apply PLANFILE).
	planned map[string]cty.Value
}

// varValue is a pflag.Value appending to the shared ordered list.
type varValue struct {
	args *[]config.VarArg
	file bool
}

func (v *varValue) String() string { return "" }
func (v *varValue) Type() string {
	if v.file {
		return "FILE"
	}
	return "NAME=VALUE"
}
func (v *varValue) Set(s string) error {
	if v.file && s == "" {
		return &flags.EmptyNameError{What: "the file of variables to read", Example: "prod.mlfvars"}
	}
	*v.args = append(*v.args, config.VarArg{File: v.file, Value: s})
	return nil
}

func (v *varFlags) register(fs *pflag.FlagSet) {
	fs.Var(&varValue{args: &v.args}, "var", "set an input variable, like -var='min_accuracy=0.9' (repeatable; later wins)")
	fs.Var(&varValue{args: &v.args, file: true}, "var-file", "read input variables from an HCL file of name = value lines (repeatable)")
}

// loadOptions turns the flags into config.LoadOptions.
func (v *varFlags) loadOptions(g *Globals) config.LoadOptions {
	return config.LoadOptions{
		Args:    append([]config.VarArg(nil), v.args...),
		Getenv:  g.Getenv,
		Version: Version,
		Planned: v.planned,
	}
}
