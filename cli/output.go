package cli

import "github.com/spf13/cobra"

func newOutputCommand(g *Globals) *cobra.Command {
	return stubCommand("output [NAME]", "Print output values")
}
