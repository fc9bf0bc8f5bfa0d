package cli

import (
	"fmt"

	"github.com/mlform/mlform/cli/flags"

	"github.com/spf13/cobra"

	"github.com/mlform/mlform/planner/ops"
	"github.com/mlform/mlform/planner/render"
)

func newPullCommand(g *Globals) *cobra.Command {
	var force bool
	var codeDir string
	var vf varFlags
	cmd := &cobra.Command{
		Use:   "pull ADDR DIR | pull model.NAME@VERSION -code DIR",
		Short: "Materialise a snapshot or a model version's artifacts",
		Long: `Pull writes the files of a dataset snapshot or of a model version's artifacts
into DIR, verifying every chunk and every file's hash on the way: what lands
in DIR is exactly what was recorded, or pull fails.

ADDR is dataset.NAME (its current snapshot), dataset.NAME@SNAPSHOT (a full id
or any unique prefix of at least 8 characters, as printed by mlform snapshots),
model.NAME@VERSION or model.NAME@ALIAS. DIR must be empty or missing unless
-force is given.

With -code DIR, pull restores a model version's code instead: the files its
code globs selected when it trained, from its code archive in the store.`,
		Example: `  mlform pull dataset.churn ./churn-now
  mlform pull dataset.churn@19bc7d3e ./churn-then
  mlform pull model.churn@production ./serving
  mlform pull model.churn@3 -code ./churn-v3-code`,
		Args: func(cmd *cobra.Command, args []string) error {
			if codeDir != "" {
				return wantArgs(1, 1, "one version address (model.churn@3) with -code DIR")(cmd, args)
			}
			return wantArgs(2, 2, "a source like dataset.churn@1a2b3c4d or model.churn@production, and a target DIR")(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := codeDir
			if dir == "" {
				dir = args[1]
			}
			ctx := cmd.Context()
			ws, st, closeAll, err := readWorkspace(ctx, g, &vf)
			if err != nil {
				return err
			}
			defer closeAll()
			if err := ws.CheckStores(st); err != nil {
				return err
			}
			resolve := ops.ResolvePull
			if codeDir != "" {
				resolve = ops.ResolvePullCode
			}
			t, err := resolve(st, args[0])
			if err != nil {
				return err
			}
			if err := ops.Pull(ctx, ws, t, dir, force); err != nil {
				return err
			}
			what := ""
			if t.Files > 0 {
				what = fmt.Sprintf(" (%s, %s)", render.CountFiles(t.Files), render.Bytes(t.Bytes))
			}
			fmt.Fprintf(g.Stdout, "Pulled %s%s into %s; every file's hash verified.\n", t.Label, what, dir)
			return nil
		},
	}
	flags.PathVar(cmd.Flags(), &codeDir, "code", "the directory to restore the code into", "./churn-v3-code", "restore the version's code archive into `DIR` (instead of its artifacts)")
	cmd.Flags().BoolVar(&force, "force", false, "write into a non-empty DIR (files of the same name are replaced)")
	vf.register(cmd.Flags())
	return cmd
}
