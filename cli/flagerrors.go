package cli

import (
	"fmt"
	"regexp"
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

// flagNames lists the long flags cmd accepts, its own and inherited.
func flagNames(cmd *cobra.Command) []string {
	var names []string
	add := func(f *pflag.Flag) { names = append(names, f.Name) }
	cmd.Flags().VisitAll(add)
	cmd.InheritedFlags().VisitAll(add)
	return names
}
