package cli

import "github.com/spf13/cobra"

func newPlanCommand(g *Globals) *cobra.Command {
	return stubCommand("plan", "Show what apply would do and why")
}
