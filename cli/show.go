package cli

import (
	"context"
	"errors"

	"github.com/spf13/cobra"

	"github.com/mlform/mlform/internal/textfmt"

	"github.com/mlform/mlform/planner/plans"
	"github.com/mlform/mlform/planner/render"
	"github.com/mlform/mlform/state"
	"github.com/mlform/mlform/state/statemgr"
)

func newShowCommand(g *Globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show [PLANFILE]",
		Short: "Show the state or a saved plan",
		Long: `Without an argument, show summarises the recorded state: each dataset's
current snapshot, each model's versions and aliases (-json prints the whole
state document; before anything was applied, one with "lineage": null). With a plan file saved by mlform plan -out, it prints that
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
			if asJSON {
				st, err := readStoredState(cmd.Context(), g)
				if errors.Is(err, statemgr.ErrNoState) {
					return textfmt.WriteJSON(g.Stdout, noState())
				}
				if err != nil {
					return err
				}
				doc, err := state.Encode(st)
				if err != nil {
					return err
				}
				_, err = g.Stdout.Write(doc)
				return err
			}
			st, err := readState(cmd.Context(), g)
			if err != nil {
				return err
			}
			return render.State(g.Stdout, st)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON instead of text")
	return cmd
}

// noStateDocument is what show -json prints when no state has been
// written yet: the shape of a state document with nothing recorded, and no
// lineage or checksum, since no document exists to have them (Terraform's
// show -json prints no values for an empty state either). The format is
// the one the first written document will have.
type noStateDocument struct {
	FormatVersion int            `json:"format_version"`
	Lineage       *string        `json:"lineage"`
	Serial        uint64         `json:"serial"`
	Datasets      map[string]any `json:"datasets"`
	Models        map[string]any `json:"models"`
	Policies      map[string]any `json:"policies"`
}

func noState() noStateDocument {
	return noStateDocument{
		FormatVersion: (&state.State{}).MinFormat(),
		Datasets:      map[string]any{},
		Models:        map[string]any{},
		Policies:      map[string]any{},
	}
}

// readStoredState is readState without the empty State:
// statemgr.ErrNoState when none has been written yet.
func readStoredState(ctx context.Context, g *Globals) (*state.State, error) {
	m, err := openState(ctx, g)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	return m.ReadStored(ctx)
}

// useColor reports whether human output to stdout may be coloured: only
// on a terminal, never with -no-color, NO_COLOR or TERM=dumb.
func useColor(g *Globals) bool {
	if g.NoColor {
		return false
	}
	return writerIsTerminal(g.Stdout)
}
