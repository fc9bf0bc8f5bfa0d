package cli

import "github.com/spf13/cobra"

func newForceUnlockCommand(g *Globals) *cobra.Command {
	return stubCommand("force-unlock ID", "Release a stuck state lock")
}
