package cli

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/spf13/cobra"
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
	if strings.HasPrefix(msg, "unknown flag: ") {
		return fmt.Errorf("%s (mlform %s --help lists its flags)", msg, strings.TrimPrefix(cmd.CommandPath(), "mlform "))
	}
	return err
}
