package cli

import (
	"github.com/spf13/cobra"

	"github.com/mlform/mlform/planner/plans"
	"github.com/mlform/mlform/planner/render"
	"github.com/mlform/mlform/state"
)

func newShowCommand(g *Globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show [PLANFILE]",
		Short: "Show the state or a saved plan",
		Long: `Without an argument, show summarises the recorded state: each dataset's
current snapshot, each model's versions and aliases (-json prints the whole
state document). With a plan file saved by mlform plan -out, it prints that
plan as plan would have (-json: the documented plan JSON, docs/plan-json.md).`,
		Example: `  mlform show
  mlform plan -out=tfplan && mlform show tfplan
  mlform show -json tfplan`,
		Args: wantArgs(0, 1, "at most one PLANFILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				p, err := plans.ReadPlanFile(args[0])
				if err != nil {
					return err
				}
				if asJSON {
					return render.JSON(g.Stdout, p)
				}
				if err := render.Human(g.Stdout, p, render.Options{Color: useColor(g)}); err != nil {
					return err
				}
				return render.SavedVariables(g.Stdout, p)
			}
			st, err := readState(cmd.Context(), g)
			if err != nil {
				return err
			}
			if asJSON {
				doc, err := state.Encode(st)
				if err != nil {
					return err
				}
				_, err = g.Stdout.Write(doc)
				return err
			}
			return render.State(g.Stdout, st)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON instead of text")
	return cmd
}

// useColor reports whether human output to stdout may be coloured: only
// on a terminal, never with -no-color, NO_COLOR or TERM=dumb.
func useColor(g *Globals) bool {
	if g.NoColor {
		return false
	}
	return writerIsTerminal(g.Stdout)
}
