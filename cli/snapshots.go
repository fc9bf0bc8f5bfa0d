package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mlform/mlform/cli/views"
	"github.com/mlform/mlform/internal/textfmt"
	"github.com/mlform/mlform/planner/ops"
)

func newSnapshotsCommand(g *Globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "snapshots dataset.NAME",
		Short: "List a dataset's snapshots",
		Long: `Snapshots lists every snapshot of a dataset recorded in state, oldest first,
with its full id (copy it, or any unique prefix of at least 8 characters, into
mlform pull dataset.NAME@ID DIR), when it was taken, its size and how it
differs from the snapshot before.`,
		Example: `  mlform snapshots dataset.churn
  mlform snapshots dataset.churn -json`,
		Args: wantArgs(1, 1, "one dataset address, like dataset.churn"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ref, err := ops.ParseSnapshotRef(args[0])
			if err != nil {
				return err
			}
			if ref.Prefix != "" {
				return fmt.Errorf("%s: snapshots lists a whole dataset; drop the @%s", args[0], ref.Prefix)
			}
			st, err := readState(cmd.Context(), g)
			if err != nil {
				return err
			}
			hist, err := ops.SnapshotHistory(st, ref.Dataset)
			if err != nil {
				return err
			}
			if asJSON {
				if hist == nil {
					hist = []ops.SnapshotEntry{}
				}
				return textfmt.WriteJSON(g.Stdout, hist)
			}
			if len(hist) == 0 {
				fmt.Fprintf(g.Stdout, "dataset.%s has no snapshots.\n", ref.Dataset)
				return nil
			}
			return views.Snapshots(g.Stdout, hist)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the history as JSON")
	return cmd
}
