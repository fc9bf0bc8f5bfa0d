package cli

import "github.com/spf13/cobra"

func newApplyCommand(g *Globals) *cobra.Command {
	return stubCommand("apply [PLANFILE]", "Snapshot, retrain and promote as planned")
}
