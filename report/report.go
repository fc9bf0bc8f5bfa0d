// Package report builds `mlform report`: a static, self-contained HTML site
// (inline SVG charts, inline CSS, no script, no network) of everything the
// state records: models and their versions, metrics over versions, alias
// timelines, lineage, dataset snapshots and their drift, and optionally a
// saved plan. Everything shown comes from the state (sensitive values are
// redacted there), the stores it names (column profiles, artifacts
// manifests for metrics.jsonl) and, when the report runs in a workspace,
// the configuration (gate thresholds). Every page is rendered by
// html/template, so names, metric names and reasons are escaped.
package report

import (
	"context"
	"time"

	"github.com/mlform/mlform/config"
	"github.com/mlform/mlform/state"
)

// Input is everything a report is built from.
type Input struct {
	// State is the recorded world (required).
	State *state.State
	// Config, when not nil, gives gate thresholds (promotions whose gate
	// compares a candidate metric with a value known without metrics).
	Config *config.Config
	// Stores opens a store by its storage block name, for profiles and
	// artifacts manifests; nil shows what the state alone holds.
	Stores StoreOpener
	// Plan, when not nil, adds the plan's page (report -plan=PLANFILE).
	Plan *PlanView
	// Now stamps the pages ("generated at").
	Now time.Time
	// Version is the running mlform version, shown in the footer.
	Version string
}

// Result says what Build wrote.
type Result struct {
	// Pages are the written files, relative to the output directory, in
	// the order they were written (index.html first).
	Pages []string
	// Warnings are the things that could not be shown (an unreadable
	// profile, a malformed metrics.jsonl), each naming what it concerns;
	// they are shown on the pages too.
	Warnings []string
}

// Build gathers the site from in and writes it into dir (created when
// missing; existing report pages are overwritten, other files are left).
func Build(ctx context.Context, in Input, dir string) (*Result, error) {
	site, err := gather(ctx, in)
	if err != nil {
		return nil, err
	}
	return site.write(dir)
}
