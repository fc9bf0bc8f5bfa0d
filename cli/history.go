package cli

import (
	"github.com/spf13/cobra"

	"github.com/mlform/mlform/planner/query"
	"github.com/mlform/mlform/state"
)

func newHistoryCommand(g *Globals) *cobra.Command {
	var at string
	cmd := queryCommand(g, &cobra.Command{
		Use:   "history model.NAME@ALIAS",
		Short: "Show an alias's moves",
		Long: `History lists every move of an alias, oldest first: from which version to
which, when, by whom, through which promotion and plan. With -at it answers
"which version did the alias point at then": -at takes a time
(2026-01-05T12:00:00Z: that whole second, as history prints times to the
second) or a date (2026-01-05: the end of that UTC day, with the moves made
during it).`,
		Example: `  mlform history model.churn@production
  mlform history -at=2026-01-05 model.churn@production`,
		Args: wantArgs(1, 1, "one address, like model.churn@production"),
	}, "print the history as JSON", func(s *state.State, args []string) (*query.HistoryReport, error) {
		return query.History(s, args[0], at)
	}, query.WriteHistory)
	cmd.Flags().StringVar(&at, "at", "", "show where the alias pointed at `TIME` (RFC 3339, a time as history prints it, or YYYY-MM-DD)")
	return cmd
}
