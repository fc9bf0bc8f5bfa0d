package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mlform/mlform/internal/textfmt"
	"github.com/mlform/mlform/internal/whoami"
	"github.com/mlform/mlform/planner"
	"github.com/mlform/mlform/planner/ops"
	"github.com/mlform/mlform/state"
	"github.com/mlform/mlform/state/statemgr"
)

func newApproveCommand(g *Globals) *cobra.Command {
	var (
		lf  LockFlags
		vf  varFlags
		now string
	)
	cmd := &cobra.Command{
		Use:   "approve promotion.NAME vN",
		Short: "Approve a version for a promotion that asks for approval",
		Long: `A promotion with approval = true holds a candidate that passes its gates as
"awaiting approval". approve records, in the state, who approved which
version and when; the next apply moves the alias if the version still
passes. The approval is for that version only: a newer candidate needs its
own. history and lineage show the approver.`,
		Example: `  mlform approve promotion.churn_production v7`,
		Args:    wantArgs(2, 2, "a promotion and a version, like promotion.churn_production v7"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ws, err := loadWorkspace(g, &vf)
			if err != nil {
				return err
			}
			defer ws.Close()
			at, err := (&planFlags{now: now}).clock(g)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			var res *ops.Approved
			err = lockedState(ctx, g, lf, "approve", func(m *statemgr.Manager) error {
				_, uerr := m.Update(ctx, func(s *state.State) error {
					if err := refuseRestored(ctx, ws, m, s); err != nil {
						return err
					}
					var aerr error
					res, aerr = ops.Approve(s, ws.Config, ops.ApproveRequest{Promotion: args[0], Version: args[1], By: whoami.UserAtHost(), At: at,
						Moves: planner.PendingMoves(ws.Config, s)})
					return aerr
				})
				return uerr
			})
			if err != nil {
				return err
			}
			ap := res.Approval
			if res.Already {
				fmt.Fprintf(g.Stdout, "model.%s v%d was already approved for promotion.%s (alias %s) by %s at %s; nothing recorded.\n",
					res.Model, ap.Version, res.Promotion, ap.Alias, ap.By, textfmt.Time(ap.At))
			} else {
				fmt.Fprintf(g.Stdout, "Approved model.%s v%d for promotion.%s (alias %s) by %s at %s.\n",
					res.Model, ap.Version, res.Promotion, ap.Alias, ap.By, textfmt.Time(ap.At))
			}
			if res.Candidate == ap.Version {
				fmt.Fprintf(g.Stdout, "The next apply moves alias %s to v%d if it still passes its gates.\n", ap.Alias, ap.Version)
			} else {
				fmt.Fprintf(g.Stdout, "v%d is not the promotion's candidate now (v%d is); the approval counts once it is.\n", ap.Version, res.Candidate)
			}
			return nil
		},
	}
	lf.Register(cmd.Flags())
	vf.register(cmd.Flags())
	cmd.Flags().StringVar(&now, "now", "", "record the approval at `TIME` (RFC 3339; also "+nowEnv+")")
	return cmd
}
