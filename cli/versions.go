package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/mlform/mlform/planner/query"
	"github.com/mlform/mlform/state"
)

func newVersionsCommand(g *Globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "versions model.NAME",
		Short: "List a model's versions",
		Long: `Versions lists every training attempt of a model, oldest first: when it ran,
its status, the aliases pointing at it, what changed from the previous
succeeded version, its key metrics and why it was trained. Failed attempts
are listed too: version numbers are never reused.`,
		Example: `  mlform versions model.churn
  mlform versions -json model.churn`,
		Args: wantArgs(1, 1, "one model address, like model.churn"),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := readState(cmd.Context(), g)
			if err != nil {
				return err
			}
			r, err := query.Versions(s, args[0])
			return answer(g, asJSON, r, err, query.WriteVersions)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the versions as JSON")
	return cmd
}

// readState reads the working directory's state once, for the read-only
// model commands.
func readState(ctx context.Context, g *Globals) (*state.State, error) {
	m, err := openState(ctx, g)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	return m.Read(ctx)
}
