package cli

import "github.com/spf13/cobra"

func newVersionsCommand(g *Globals) *cobra.Command {
	return stubCommand("versions model.NAME", "List a model's versions")
}
