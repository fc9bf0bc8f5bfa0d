package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newInitCommand(g *Globals) *cobra.Command {
	var vf varFlags
	var lf LockFlags
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Create and check the backend and the store",
		Long: `Init prepares a working directory: it creates the state document in the
backend (mlform { backend "blob" { url = ... } }, default file://.mlform/state),
opens every storage block (creating the store's config on first use) and the
local stat cache. Running it again is harmless: it reports what exists.`,
		Example: `  mlform init`,
		Args:    wantArgs(0, 0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			ws, m, closeAll, err := openWorkspaceState(ctx, g, &vf)
			if err != nil {
				return err
			}
			defer closeAll()
			return withStateLock(ctx, g, m, lf, "init", func() error {
				steps, err := ws.Init(ctx, m)
				for _, s := range steps {
					fmt.Fprintf(g.Stdout, "- %s at %s: %s\n", s.What, s.Where, s.Result)
				}
				if err != nil {
					return err
				}
				fmt.Fprintln(g.Stdout, "\nmlform has been successfully initialized! Run mlform plan to see what would change.")
				return nil
			})
		},
	}
	vf.register(cmd.Flags())
	lf.Register(cmd.Flags())
	return cmd
}
