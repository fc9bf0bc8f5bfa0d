package cli

import "github.com/spf13/cobra"

func newGCCommand(g *Globals) *cobra.Command {
	return stubCommand("gc", "Delete store objects nothing references")
}
