package cli

import "github.com/spf13/cobra"

func newInitCommand(g *Globals) *cobra.Command {
	return stubCommand("init", "Create and check the backend and the store")
}
