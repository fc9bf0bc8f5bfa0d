package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newGraphCommand(g *Globals) *cobra.Command {
	var vf varFlags
	cmd := &cobra.Command{
		Use:   "graph",
		Short: "Print the dependency graph as DOT",
		Long: `Graph prints the dependency graph of the configuration in Graphviz DOT:
datasets feed the models that train on them, models feed their retrain
policies and promotions. Environments and storage appear as attributes.`,
		Example: `  mlform graph | dot -Tsvg > graph.svg`,
		Args:    wantArgs(0, 0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ws, err := loadWorkspace(g, &vf)
			if err != nil {
				return err
			}
			defer ws.Close()
			_, err = fmt.Fprint(g.Stdout, ws.Graph.DOT())
			return err
		},
	}
	vf.register(cmd.Flags())
	return cmd
}
