package cli

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/mlform/mlform/cli/flags"

	"github.com/spf13/cobra"

	"github.com/mlform/mlform/config"
	"github.com/mlform/mlform/internal/textfmt"
	"github.com/mlform/mlform/report"
)

func newReportCommand(g *Globals) *cobra.Command {
	var out, planFile string
	var vf varFlags
	cmd := &cobra.Command{
		Use:   "report -out DIR",
		Short: "Write an HTML report of models, versions, aliases, lineage and data",
		Long: `Report writes a static site into DIR: an overview of every model and
dataset, a page per model (versions table, a chart per metric over versions
with the champion and gate thresholds marked, training curves from
metrics.jsonl, the alias timeline), a page per dataset (snapshots, drift
between consecutive snapshots, reference vs current histograms) and the
lineage graph. The pages are plain HTML with inline SVG and CSS: no script,
no network; open DIR/index.html from the file system or publish DIR as a
CI artifact. With -plan, a saved plan gets its own page (attach it to a pull
request). Run it in the workspace: gate thresholds come from the
configuration, profiles and metrics.jsonl from the stores (docs/report.md).`,
		Example: `  mlform report -out site
  mlform plan -out=tfplan && mlform report -out site -plan=tfplan`,
		Args: wantArgs(0, 0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return &ExitError{Code: 1, Message: "report needs -out DIR: the directory to write the site into"}
			}
			var pv *report.PlanView
			if planFile != "" {
				p, err := report.ReadPlanFile(planFile)
				if err != nil {
					return err
				}
				pv = p
			}
			urls := map[string]string{"default": config.DefaultStorageURL}
			var cfg *config.Config
			if files, _ := filepath.Glob("*" + config.FileSuffix); len(files) > 0 {
				c, err := loadConfig(g, &vf)
				if err != nil {
					return err
				}
				cfg = c
				for name, s := range c.Storage {
					urls[name] = s.URL
				}
			}
			st, err := readState(cmd.Context(), g)
			if err != nil {
				return err
			}
			if cfg == nil && len(st.Models) == 0 && len(st.Datasets) == 0 {
				// Neither configuration nor recorded state: the wrong
				// directory, not a workspace to report on as empty.
				return &ExitError{Code: 1, Message: fmt.Sprintf("nothing to report: this directory holds no *%s files and no recorded state; run mlform report in the workspace, or use -chdir=DIR", config.FileSuffix)}
			}
			wd, err := os.Getwd()
			if err != nil {
				return fmt.Errorf("working directory: %w", err)
			}
			stores := report.NewStoreSet(urls, wd)
			defer stores.Close()
			now, err := (&planFlags{}).clock(g)
			if err != nil {
				return err
			}
			res, err := report.Build(cmd.Context(), report.Input{State: st, Config: cfg, Stores: stores, Plan: pv, Now: now, Version: Version}, out)
			if err != nil {
				return err
			}
			for _, w := range res.Warnings {
				fmt.Fprintf(g.Stderr, "Warning: %s\n", w)
			}
			fmt.Fprintf(g.Stdout, "Wrote %s to %s (open %s)\n", textfmt.Count(len(res.Pages), "page"), out, filepath.Join(out, "index.html"))
			return nil
		},
	}
	flags.PathVar(cmd.Flags(), &out, "out", "the directory to write the site into", "site", "write the site into `DIR`")
	flags.PathVar(cmd.Flags(), &planFile, "plan", "the saved plan's file", "tfplan", "add a page for the saved plan `PLANFILE`")
	vf.register(cmd.Flags())
	return cmd
}
