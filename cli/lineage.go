package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mlform/mlform/internal/termtext"
	"github.com/mlform/mlform/planner/ops"
	"github.com/mlform/mlform/planner/query"
)

func newLineageCommand(g *Globals) *cobra.Command {
	var asJSON, logs bool
	var vars varFlags
	cmd := &cobra.Command{
		Use:   "lineage model.NAME@VERSION|ALIAS",
		Short: "Show everything a version was made from",
		Long: `Lineage shows what a model version was built from and what it produced: the
snapshot of each dataset, the code tree hash and file count, the params, the
environment fingerprint and the command; who ran it where and when, the git
commit, the exit status, the artifacts and logs in the store, the metrics,
and what changed since the previous succeeded version.

With -logs it prints instead the stdout and stderr stored with the attempt
(failed, timed-out and cancelled attempts keep theirs too), read from the
store the configuration names.`,
		Example: `  mlform lineage model.churn@3
  mlform lineage model.churn@production
  mlform lineage -json model.churn@3
  mlform lineage -logs model.churn@4`,
		Args: wantArgs(1, 1, "one address, like model.churn@7 or model.churn@production"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if logs && asJSON {
				return fmt.Errorf("lineage: -logs and -json cannot be combined")
			}
			s, err := readState(cmd.Context(), g)
			if err != nil {
				return err
			}
			if logs {
				ws, err := loadWorkspace(g, &vars)
				if err != nil {
					return err
				}
				defer ws.Close()
				if !writerIsTerminal(g.Stdout) {
					return ops.VersionLogs(cmd.Context(), ws, s, args[0], g.Stdout)
				}
				// On a terminal the trainer's escape sequences are shown,
				// not obeyed; piped, the stored bytes pass unchanged.
				tw := termtext.NewWriter(g.Stdout)
				err = ops.VersionLogs(cmd.Context(), ws, s, args[0], tw)
				if cerr := tw.Close(); err == nil {
					err = cerr
				}
				return err
			}
			r, err := query.Lineage(s, args[0])
			return answer(g, asJSON, r, err, query.WriteLineage)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the lineage as JSON")
	cmd.Flags().BoolVar(&logs, "logs", false, "print the stdout and stderr stored with the attempt")
	vars.register(cmd.Flags())
	return cmd
}
