package cli

import (
	"github.com/spf13/cobra"

	"github.com/mlform/mlform/planner/query"
	"github.com/mlform/mlform/state"
)

func newMetricsCommand(g *Globals) *cobra.Command {
	return groupCommand(g, &cobra.Command{
		Use:   "metrics",
		Short: "Compare metrics of versions",
		Example: `  mlform metrics diff model.churn@1 model.churn@2
  mlform metrics diff model.churn@production model.churn@5 -json`,
	}, newMetricsDiffCommand(g))
}

func newMetricsDiffCommand(g *Globals) *cobra.Command {
	return queryCommand(g, &cobra.Command{
		Use:   "diff model.NAME@A model.NAME@B",
		Short: "Compare two versions' metrics and inputs",
		Long: `Diff prints each metric of two versions side by side with the change from
the first to the second, then every input that differs between them (data
snapshots, code, command, each param, environment). Versions are numbers or
aliases; they may belong to different models.`,
		Example: `  mlform metrics diff model.churn@1 model.churn@2
  mlform metrics diff model.churn@production model.churn@5`,
		Args: wantArgs(2, 2, "two versions, like model.churn@1 model.churn@2"),
	}, "print the comparison as JSON", func(s *state.State, args []string) (*query.MetricsDiff, error) {
		return query.DiffMetrics(s, args[0], args[1])
	}, query.WriteMetricsDiff)
}
