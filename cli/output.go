package cli

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlform/mlform/config/diag"
	"github.com/mlform/mlform/planner"
	"github.com/mlform/mlform/planner/render"
)

func newOutputCommand(g *Globals) *cobra.Command {
	var vf varFlags
	var asJSON, raw bool
	cmd := &cobra.Command{
		Use:   "output [NAME]",
		Short: "Print output values",
		Long: `Output evaluates the configuration's output blocks against the recorded
state (current snapshots, versions, where aliases point) and prints them.
Sensitive outputs are shown as (sensitive value) in listings; naming one
prints its value. -raw prints a string, number or bool without quotes, for
scripts.`,
		Example: `  mlform output
  mlform output production_version
  mlform output -json
  mlform output -raw production_version`,
		Args: wantArgs(0, 1, "at most one output NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			ws, st, closeAll, err := readWorkspace(ctx, g, &vf)
			if err != nil {
				return err
			}
			defer closeAll()
			outs, diags := planner.Outputs(ws, st)
			if diags.HasErrors() {
				diag.Write(g.Stderr, diags, ws.Config.Files, diagColor(g))
				return errSilent
			}
			if len(args) == 1 {
				return printOneOutput(g, outs, args[0], asJSON, raw)
			}
			if raw {
				return fmt.Errorf("-raw needs an output NAME")
			}
			if asJSON {
				doc := map[string]any{}
				for _, o := range outs {
					entry := map[string]any{"sensitive": o.Sensitive}
					if !o.Sensitive {
						entry["value"] = o.Value
					}
					doc[o.Name] = entry
				}
				enc := json.NewEncoder(g.Stdout)
				enc.SetEscapeHTML(false)
				return enc.Encode(doc)
			}
			if len(outs) == 0 {
				fmt.Fprintln(g.Stdout, "No outputs are declared.")
				return nil
			}
			for _, o := range outs {
				fmt.Fprintf(g.Stdout, "%s = %s\n", o.Name, render.Value(o.Value, o.Sensitive))
			}
			return nil
		},
	}
	vf.register(cmd.Flags())
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&raw, "raw", false, "print a single string, number or bool value as is")
	return cmd
}

// printOneOutput prints the named output; naming a sensitive output is the
// explicit request that shows its value.
func printOneOutput(g *Globals, outs []*planner.OutputResult, name string, asJSON, raw bool) error {
	for _, o := range outs {
		if o.Name != name {
			continue
		}
		switch {
		case asJSON:
			_, err := fmt.Fprintf(g.Stdout, "%s\n", o.JSON)
			return err
		case raw:
			switch v := o.Value.(type) {
			case string:
				_, err := fmt.Fprint(g.Stdout, v)
				return err
			case float64, bool:
				_, err := fmt.Fprint(g.Stdout, render.Value(v, false))
				return err
			}
			return fmt.Errorf("output %q is not a string, number or bool: -raw cannot print it; use -json", name)
		}
		_, err := fmt.Fprintln(g.Stdout, render.Value(o.Value, false))
		return err
	}
	var names []string
	for _, o := range outs {
		names = append(names, o.Name)
	}
	if len(names) == 0 {
		return fmt.Errorf("output %q is not declared: the configuration declares no outputs", name)
	}
	return fmt.Errorf("output %q is not declared (declared: %s)", name, strings.Join(names, ", "))
}
