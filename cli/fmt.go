package cli

import "github.com/spf13/cobra"

func newFmtCommand(g *Globals) *cobra.Command {
	return stubCommand("fmt [PATH...]", "Rewrite *.mlf.hcl files to canonical format")
}
