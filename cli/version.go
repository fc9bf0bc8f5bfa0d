package cli

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"
)

func newVersionCommand(g *Globals) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print mlform's version",
		Example: "  mlform version",
		Args:    wantArgs(0, 0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintln(g.Stdout, versionLine())
			return nil
		},
	}
}

// versionLine is what `mlform version` and `mlform --version` print.
func versionLine() string {
	return fmt.Sprintf("mlform v%s (%s, %s/%s)", Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
