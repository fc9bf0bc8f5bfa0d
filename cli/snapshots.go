package cli

import "github.com/spf13/cobra"

func newSnapshotsCommand(g *Globals) *cobra.Command {
	return stubCommand("snapshots dataset.NAME", "List a dataset's snapshots")
}
