package cli

import "github.com/spf13/cobra"

func newStateCommand(g *Globals) *cobra.Command {
	return stubCommand("state", "Inspect and edit the recorded state")
}
