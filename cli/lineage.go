package cli

import "github.com/spf13/cobra"

func newLineageCommand(g *Globals) *cobra.Command {
	return stubCommand("lineage model.NAME@V", "Show everything a version was made from")
}
