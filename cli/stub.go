package cli

import (
	"github.com/spf13/cobra"
)

// stubCommand is a placeholder for a command whose implementation has not
// landed yet. It fails with a clear message instead of pretending to work.
func stubCommand(use, short string) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short + " (not implemented yet)",
		RunE: func(cmd *cobra.Command, args []string) error {
			return &ExitError{Code: 1, Message: cmd.Name() + " is not implemented yet"}
		},
	}
}
