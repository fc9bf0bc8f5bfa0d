package cli

import "github.com/spf13/cobra"

func newPullCommand(g *Globals) *cobra.Command {
	return stubCommand("pull ADDR DIR", "Materialise a snapshot or a model version's artifacts")
}
