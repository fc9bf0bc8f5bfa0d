package cli

import "github.com/spf13/cobra"

func newGraphCommand(g *Globals) *cobra.Command {
	return stubCommand("graph", "Print the dependency graph as DOT")
}
