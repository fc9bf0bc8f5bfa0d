package cli

import (
	"github.com/spf13/cobra"

	"github.com/mlform/mlform/planner/query"
)

func newHistoryCommand(g *Globals) *cobra.Command {
	var asJSON bool
	var at string
	cmd := &cobra.Command{
		Use:   "history model.NAME@ALIAS",
		Short: "Show an alias's moves",
		Long: `History lists every move of an alias, oldest first: from which version to
which, when, by whom, through which promotion and plan. With -at it answers
"which version did the alias point at then": -at takes a time
(2026-01-05T12:00:00Z) or a date (2026-01-05: the end of that UTC day, with
the moves made during it).`,
		Example: `  mlform history model.churn@production
  mlform history -at=2026-01-05 model.churn@production`,
		Args: wantArgs(1, 1, "one address, like model.churn@production"),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := readState(cmd.Context(), g)
			if err != nil {
				return err
			}
			r, err := query.History(s, args[0], at)
			return answer(g, asJSON, r, err, query.WriteHistory)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the history as JSON")
	cmd.Flags().StringVar(&at, "at", "", "show where the alias pointed at `TIME` (RFC 3339 or YYYY-MM-DD)")
	return cmd
}
