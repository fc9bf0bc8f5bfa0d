package views

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/mlform/mlform/internal/textfmt"
	"github.com/mlform/mlform/planner/ops"
	"github.com/mlform/mlform/planner/render"
)

// Snapshots prints `mlform snapshots`: one row per snapshot, oldest first,
// with how it differs from the one before. hist is not empty.
func Snapshots(w io.Writer, hist []ops.SnapshotEntry) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
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
