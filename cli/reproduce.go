package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mlform/mlform/cli/views"
	"github.com/mlform/mlform/internal/textfmt"
	"github.com/mlform/mlform/planner/reproduce"
	"github.com/mlform/mlform/providers/executor"
)

func newReproduceCommand(g *Globals) *cobra.Command {
	var vars varFlags
	var asJSON bool
	var opts reproduce.Options
	cmd := &cobra.Command{
		Use:   "reproduce model.NAME@VERSION|ALIAS",
		Short: "Re-run a version's training and compare",
		Long: `Reproduce re-runs the train step of a recorded version with its recorded
inputs (the same snapshots materialised from the store, the same params and
command, the same version number) in a temporary directory, and compares
each artifact's hash and each metric with what was recorded. Nothing is
recorded in state. It exits 0 when everything matches and 1 when anything
differs.

The step runs the version's own code: its code archive (the files its code
globs selected when it trained) materialised into the temporary directory,
which is the step's working directory. -current-code runs today's working
tree instead (the workspace is the working directory), as does a model that
declares no code. A version recorded before mlform archived code needs
-current-code. The environment is used as it is now; any difference from the
recorded inputs is reported.

On a batch executor (slurm, kubernetes) the step runs as a job: reproduce
stores the job's spec (and, with -current-code, today's code archive) in the
model's store and holds a shared store lock until it ends (waiting up to
-lock-timeout while a gc holds the store), so a gc of any workspace sharing
the store waits instead of collecting what the job reads. Nothing it stores
is kept: the next gc collects it.`,
		Example: `  mlform reproduce model.churn@3
  mlform reproduce model.churn@production`,
		Args: wantArgs(1, 1, "one address, like model.churn@7 or model.churn@production"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.StoreLockTimeout < 0 {
				return fmt.Errorf("-lock-timeout=%s: must not be negative (0 fails at once if the store is locked)", opts.StoreLockTimeout)
			}
			ws, err := loadWorkspace(g, &vars)
			if err != nil {
				return err
			}
			defer ws.Close()
			s, err := readState(cmd.Context(), g)
			if err != nil {
				return err
			}
			out := g.Stderr
			if !asJSON {
				out = g.Stdout
			}
			logw := executor.NewPrefixWriter(out, "  | ")
			r, err := reproduce.Run(cmd.Context(), ws, s, args[0], opts, func(line string) { fmt.Fprintln(logw, line) })
			if err != nil {
				return err
			}
			if asJSON {
				err = textfmt.WriteJSON(g.Stdout, r)
			} else {
				err = views.Reproduce(g.Stdout, r)
			}
			if err != nil {
				return err
			}
			if !r.Identical {
				return errSilent
			}
			return nil
		},
	}
	vars.register(cmd.Flags())
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the comparison as JSON")
	cmd.Flags().BoolVar(&opts.CurrentCode, "current-code", false, "run today's working tree instead of the version's code archive")
	cmd.Flags().DurationVar(&opts.StoreLockTimeout, "lock-timeout", 0, "on a batch executor, how long to wait for the store lock while a gc holds it (e.g. 30s, 5m); 0 fails at once")
	return cmd
}
