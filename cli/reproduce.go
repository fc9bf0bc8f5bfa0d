package cli

import "github.com/spf13/cobra"

func newReproduceCommand(g *Globals) *cobra.Command {
	return stubCommand("reproduce model.NAME@V", "Re-run a version's training and compare")
}
