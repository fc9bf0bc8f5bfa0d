// Package flags holds what mlform adds to cobra's and pflag's command-line
// parsing: errors that name a flag as the user typed it and suggest the
// closest one, flags naming a file that may not be empty, and a
// suggestion for a misspelt subcommand.
package flags

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/mlform/mlform/internal/suggest"
)

// Error rewrites pflag's parse errors to name the flag as the user
// typed it and the command whose flags to look up.
func Error(cmd *cobra.Command, err error) error { return AsTyped(nil)(cmd, err) }

// AsTyped is Error for the command line args as the user typed it: an
// unknown long flag typed with one dash (-json, which cli.NormalizeArgs
// hands pflag as --json because another command has -json) is named with
// one dash.
func AsTyped(args []string) func(*cobra.Command, error) error {
	return func(cmd *cobra.Command, err error) error { return asTyped(cmd, err, args) }
}

func asTyped(cmd *cobra.Command, err error, args []string) error {
	var invalid *pflag.InvalidValueError
	var empty *EmptyNameError
	if errors.As(err, &invalid) && errors.As(err, &empty) {
		name := invalid.GetFlag().Name
		return fmt.Errorf("-%s= is empty: give %s, like -%s=%s", name, empty.What, name, empty.Example)
	}
	if errors.As(err, &invalid) {
		return fmt.Errorf("-%s=%s: %s", invalid.GetFlag().Name, invalid.GetValue(), flagValueWant(invalid))
	}
	var missing *pflag.ValueRequiredError
	if errors.As(err, &missing) && missing.GetFlag() != nil {
		f := missing.GetFlag()
		name, _ := pflag.UnquoteUsage(f)
		if name == "" {
			name = "VALUE"
		}
		return fmt.Errorf("-%s needs a value: -%s=%s (%s --help lists its flags)", f.Name, f.Name, name, cmd.CommandPath())
	}
	var unknown *pflag.NotExistError
	if !errors.As(err, &unknown) {
		return err
	}
	// A single-dash word that is not a long flag reaches pflag as
	// shorthands (mlform has none: "-foo" is f, o, o), whose message would
	// name 'f'; it is named as typed, without its value.
	name := "--" + unknown.GetSpecifiedName()
	if oneDash(args, unknown.GetSpecifiedName()) {
		name = name[1:]
	}
	if sh := unknown.GetSpecifiedShortnames(); sh != "" {
		name, _, _ = strings.Cut("-"+sh, "=")
	}
	hint := ""
	if s := suggest.Closest(strings.TrimLeft(name, "-"), flagNames(cmd)); s != "" {
		hint = fmt.Sprintf("; did you mean -%s?", s)
	}
	return fmt.Errorf("unknown flag: %s%s (%s --help lists its flags)", name, hint, cmd.CommandPath())
}

// oneDash reports whether args (before any "--") hold the long flag name
// typed with one dash: -name or -name=VALUE.
func oneDash(args []string, name string) bool {
	if name == "" {
		return false
	}
	for _, a := range args {
		if a == "--" {
			return false
		}
		if a == "-"+name || strings.HasPrefix(a, "-"+name+"=") {
			return true
		}
	}
	return false
}

// EmptyNameError is what a flag naming a file or directory returns for an
// empty value: -out="$FILE" with FILE unset must be a usage error, not the
// same as leaving the flag out (a plan not saved, a site not written).
type EmptyNameError struct {
	What, Example string // "the file to save the plan to", "tfplan"
}

func (e *EmptyNameError) Error() string { return "is empty: give " + e.What }

// pathValue is a string flag naming a file or directory: see EmptyNameError.
type pathValue struct {
	p             *string
	what, example string
}

// PathVar defines a flag like fs.StringVar (default "") whose value may
// not be empty: what and example complete "give WHAT, like -NAME=EXAMPLE".
func PathVar(fs *pflag.FlagSet, p *string, name, what, example, usage string) {
	fs.Var(&pathValue{p: p, what: what, example: example}, name, usage)
}

func (v *pathValue) String() string { return *v.p }
func (v *pathValue) Type() string   { return "string" }
func (v *pathValue) Set(s string) error {
	if s == "" {
		return &EmptyNameError{What: v.what, Example: v.example}
	}
	*v.p = s
	return nil
}

// flagValueWant says what a flag's type accepts, instead of the parser's
// own words (strconv.ParseInt: parsing "abc": invalid syntax).
func flagValueWant(e *pflag.InvalidValueError) string {
	var num *strconv.NumError
	outOfRange := errors.As(e, &num) && errors.Is(num.Err, strconv.ErrRange)
	switch t := e.GetFlag().Value.Type(); t {
	case "bool":
		return "want true or false"
	case "int", "int32", "int64", "uint", "uint32", "uint64":
		if outOfRange {
			return "out of range"
		}
		return "want a whole number"
	case "duration":
		return "want a duration such as 30s, 5m or 1h30m"
	default:
		return e.Unwrap().Error()
	}
}

// flagNames lists the long flags cmd accepts, its own and inherited.
func flagNames(cmd *cobra.Command) []string {
	var names []string
	add := func(f *pflag.Flag) { names = append(names, f.Name) }
	cmd.Flags().VisitAll(add)
	cmd.InheritedFlags().VisitAll(add)
	return names
}

// UnknownCommand is the Args check of a command whose arguments are only
// subcommands (mlform, mlform state): a misspelt one gets a suggestion,
// as a misspelt flag does, and the help to read.
func UnknownCommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	var names []string
	for _, c := range cmd.Commands() {
		if c.IsAvailableCommand() {
			names = append(names, c.Name())
		}
	}
	hint := ""
	if s := suggest.Closest(args[0], names); s != "" {
		hint = fmt.Sprintf("; did you mean %s?", s)
	}
	return fmt.Errorf("unknown command %q for %s%s (%s --help lists its commands)", args[0], cmd.CommandPath(), hint, cmd.CommandPath())
}

// HelpTopic wraps cobra's help command: `mlform help aply` is the same
// error (with its suggestion) as `mlform aply`, not the root help with
// status 0.
func HelpTopic(show func(*cobra.Command, []string)) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if target, rest, err := cmd.Root().Find(args); err == nil && target != nil && len(rest) > 0 {
			return UnknownCommand(target, rest)
		}
		show(cmd, args)
		return nil
	}
}
