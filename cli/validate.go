package cli

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mlform/mlform/config/diag"
)

func newValidateCommand(g *Globals) *cobra.Command {
	var (
		vf     varFlags
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Check the configuration",
		Long: `Validate loads every *.mlf.hcl file in the working directory, with its
variables, and reports every problem with its file:line:col and a snippet:
syntax errors, unknown blocks and arguments, wrong types, references to
undeclared objects, cycles, invalid URLs, globs, durations and cron
expressions, and executors this build does not have or settings the chosen
executor would ignore. It reads no state and no data.

Exit status: 0 when the configuration is valid, 1 when it is not.`,
		Example: `  mlform validate
  mlform validate -json
  mlform -chdir=examples/churn validate -var='min_accuracy=0.9'`,
		Args: wantArgs(0, 0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, diags := loadChecked(g, &vf)
			if asJSON {
				doc := diag.NewValidateJSON(diags, cfg.Files)
				enc := json.NewEncoder(g.Stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(doc); err != nil {
					return fmt.Errorf("write JSON: %w", err)
				}
				if !doc.Valid {
					return errSilent
				}
				return nil
			}
			if len(diags) > 0 {
				_ = diag.Write(g.Stderr, diags, cfg.Files, diagColor(g))
			}
			if diags.HasErrors() {
				return errSilent
			}
			fmt.Fprintln(g.Stdout, "Success! The configuration is valid.")
			return nil
		},
	}
	vf.register(cmd.Flags())
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON (format_version 1.0, Terraform's shape)")
	return cmd
}
