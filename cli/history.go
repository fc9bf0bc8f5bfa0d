package cli

import "github.com/spf13/cobra"

func newHistoryCommand(g *Globals) *cobra.Command {
	return stubCommand("history model.NAME@ALIAS", "Show an alias's moves")
}
