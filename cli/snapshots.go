package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/mlform/mlform/internal/textfmt"
	"github.com/mlform/mlform/planner/ops"
	"github.com/mlform/mlform/planner/render"
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
			tw := tabwriter.NewWriter(g.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tCREATED\tFILES\tBYTES\tCHANGE")
			for i, e := range hist {
				change := fmt.Sprintf("%+d %s, %s", e.FilesDelta, fileWord(e.FilesDelta), signed(e.BytesDelta))
				switch {
				case e.FilesDelta != 0 || e.BytesDelta != 0 || i == 0:
				case e.ID != hist[i-1].ID:
					change = "same size, contents changed" // "+0 files, +0 B" read as no change
				default:
					change = "same contents"
				}
				if e.First {
					change = "first snapshot"
				}
				if e.Current {
					change += " (current)"
				}
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", e.ID, textfmt.Time(e.CreatedAt), e.Files, render.Bytes(e.Bytes), change)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the history as JSON")
	return cmd
}

func signed(n int64) string {
	if n < 0 {
		return render.Bytes(n)
	}
	return "+" + render.Bytes(n)
}

// fileWord is "file" for a change of one file either way, else "files".
func fileWord(n int) string {
	if n == 1 || n == -1 {
		return "file"
	}
	return "files"
}
