package cli

import "github.com/spf13/cobra"

func newShowCommand(g *Globals) *cobra.Command {
	return stubCommand("show [PLANFILE]", "Show the state or a saved plan")
}
