package cli

import (
	"github.com/spf13/cobra"

	"github.com/mlform/mlform/planner/query"
	"github.com/mlform/mlform/state"
)

func newVersionsCommand(g *Globals) *cobra.Command {
	return queryCommand(g, &cobra.Command{
		Use:   "versions model.NAME",
		Short: "List a model's versions",
		Long: `Versions lists every training attempt of a model, oldest first: when it ran,
its status, the aliases pointing at it, what changed from the previous
succeeded version, its key metrics and why it was trained. Failed attempts
are listed too: version numbers are never reused.`,
		Example: `  mlform versions model.churn
  mlform versions -json model.churn`,
		Args: wantArgs(1, 1, "one model address, like model.churn"),
	}, "print the versions as JSON", func(s *state.State, args []string) (*query.VersionsReport, error) {
		return query.Versions(s, args[0])
	}, query.WriteVersions)
}
