package cli

import "github.com/spf13/cobra"

func newValidateCommand(g *Globals) *cobra.Command {
	return stubCommand("validate", "Check the configuration")
}
