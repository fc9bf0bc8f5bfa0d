package cli

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/mlform/mlform/internal/suggest"
)

// unknownShorthand matches pflag's message for a single-dash word that is
// not a long flag: mlform has no one-letter flags, so "-foo" reaches pflag
// as the shorthands f, o, o and the message would name 'f'.
var unknownShorthand = regexp.MustCompile(`^unknown shorthand flag: '.' in (-\S+)$`)

// flagError rewrites pflag's parse errors to name the flag as the user
// typed it and the command whose flags to look up.
func flagError(cmd *cobra.Command, err error) error {
	var invalid *pflag.InvalidValueError
	var empty *emptyNameError
	if errors.As(err, &invalid) && errors.As(err, &empty) {
		name := invalid.GetFlag().Name
		return fmt.Errorf("-%s= is empty: give %s, like -%s=%s", name, empty.what, name, empty.example)
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
	msg := err.Error()
	if m := unknownShorthand.FindStringSubmatch(msg); m != nil {
		name := m[1]
		if i := strings.IndexByte(name, '='); i >= 0 {
			name = name[:i]
		}
		msg = "unknown flag: " + name
	}
	if name, ok := strings.CutPrefix(msg, "unknown flag: "); ok {
		hint := ""
		if s := suggest.Closest(strings.TrimLeft(name, "-"), flagNames(cmd)); s != "" {
			hint = fmt.Sprintf("; did you mean -%s?", s)
		}
		return fmt.Errorf("%s%s (%s --help lists its flags)", msg, hint, cmd.CommandPath())
	}
	return err
}

// emptyNameError is what a flag naming a file or directory returns for an
// empty value: -out="$FILE" with FILE unset must be a usage error, not the
// same as leaving the flag out (a plan not saved, a site not written).
type emptyNameError struct {
	what, example string // "the file to save the plan to", "tfplan"
}

func (e *emptyNameError) Error() string { return "is empty: give " + e.what }

// pathValue is a string flag naming a file or directory: see emptyNameError.
type pathValue struct {
	p             *string
	what, example string
}

// pathVar defines a flag like fs.StringVar (default "") whose value may
// not be empty: what and example complete "give WHAT, like -NAME=EXAMPLE".
func pathVar(fs *pflag.FlagSet, p *string, name, what, example, usage string) {
	fs.Var(&pathValue{p: p, what: what, example: example}, name, usage)
}

func (v *pathValue) String() string { return *v.p }
func (v *pathValue) Type() string   { return "string" }
func (v *pathValue) Set(s string) error {
	if s == "" {
		return &emptyNameError{what: v.what, example: v.example}
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

// unknownCommand is the Args check of a command whose arguments are only
// subcommands (mlform, mlform state): a misspelt one gets a suggestion,
// as a misspelt flag does, and the help to read.
func unknownCommand(cmd *cobra.Command, args []string) error {
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

// usageError shows a command's help on stderr and fails: a command that
// only groups subcommands (mlform, mlform state) given none is a usage
// error, as with git, so a script that lost its arguments does not pass.
func usageError(g *Globals) func(cmd *cobra.Command, args []string) error {
	return func(cmd *cobra.Command, args []string) error {
		cmd.SetOut(g.Stderr)
		_ = cmd.Help()
		return errSilent
	}
}

// groupCommand makes cmd a command that only groups subcommands (mlform,
// mlform state, mlform metrics, mlform completion), adding subs to it: bare
// it is a usage error, and a misspelt subcommand gets a suggestion. Both
// checks are set in this one place so that no group misses one.
func groupCommand(g *Globals, cmd *cobra.Command, subs ...*cobra.Command) *cobra.Command {
	cmd.Args, cmd.RunE = unknownCommand, usageError(g)
	cmd.AddCommand(subs...)
	return cmd
}

// helpTopic wraps cobra's help command: `mlform help aply` is the same
// error (with its suggestion) as `mlform aply`, not the root help with
// status 0.
func helpTopic(show func(*cobra.Command, []string)) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if target, rest, err := cmd.Root().Find(args); err == nil && target != nil && len(rest) > 0 {
			return unknownCommand(target, rest)
		}
		show(cmd, args)
		return nil
	}
}
