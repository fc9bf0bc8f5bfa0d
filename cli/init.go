package cli

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/mlform/mlform/planner/ops"
)

func newInitCommand(g *Globals) *cobra.Command {
	var vf varFlags
	var lf LockFlags
	var bf initBackendFlags
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Create and check the backend and the store",
		Long: `Init prepares a working directory: it creates the state document in the
backend (mlform { backend "blob" { url = ... } }, default file://.mlform/state),
opens every storage block (creating the store's config on first use) and the
local stat cache. Running it again is harmless: it reports what exists.

Init remembers the backend (its URL without credentials, in
.mlform/backend.json). When the configuration names another backend later,
every command that uses the state stops until you choose:

  -migrate-state   copy the state from the old backend to the new one, both
                   locked (refused when the new one holds another
                   workspace's state, unless -force), then use the new one
  -reconfigure     use the new backend as it is, without copying

The old backend's URL comes from .mlform/backend.json; when it had
credentials in it (which mlform does not keep) give it with -from-backend.`,
		Example: `  mlform init
  mlform init -migrate-state
  mlform init -migrate-state -from-backend='s3://old-bucket/state/?region=eu-west-1'
  mlform init -reconfigure`,
		Args: wantArgs(0, 0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if err := bf.validate(); err != nil {
				return err
			}
			ws, err := loadWorkspace(g, &vf)
			if err != nil {
				return err
			}
			defer ws.Close()
			url, err := backendURL(g)
			if err != nil {
				return err
			}
			wd, err := os.Getwd()
			if err != nil {
				return fmt.Errorf("working directory: %w", err)
			}
			if err := prepareBackend(ctx, g, bf, lf, url, wd); err != nil {
				return err
			}
			m, err := openStateAt(ctx, url, wd)
			if err != nil {
				return err
			}
			defer m.Close()
			return withStateLock(ctx, g, m, lf, "init", func() error {
				steps, err := ops.Init(ctx, ws, m)
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
	cmd.Flags().BoolVar(&bf.migrate, "migrate-state", false, "copy the state from the backend this workspace was initialized with to the configured one (both locked), then use it")
	cmd.Flags().BoolVar(&bf.reconfigure, "reconfigure", false, "use the configured backend without copying the state from the one this workspace was initialized with")
	cmd.Flags().BoolVar(&bf.force, "force", false, "with -migrate-state: replace a state of another lineage at the new backend (kept there as the backup)")
	cmd.Flags().StringVar(&bf.from, "from-backend", "", "with -migrate-state: the old backend's URL, needed when it had credentials in it (mlform does not keep them)")
	return cmd
}
