package cli

import "github.com/spf13/cobra"

func newMetricsCommand(g *Globals) *cobra.Command {
	return stubCommand("metrics", "Compare metrics of versions")
}
