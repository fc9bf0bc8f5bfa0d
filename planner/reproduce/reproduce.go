// Package reproduce is the reproduce operation: run a recorded version's
// train step again (planner/model.RerunTrain) and compare what it gives,
// artifact by artifact and metric by metric, with what was recorded.
// Like pull and gc it only reads state.
package reproduce

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/planner/model"
	"github.com/mlform/mlform/planner/query"
	"github.com/mlform/mlform/state"
)

// Report says whether re-running a version's train with its recorded
// inputs gave the same artifacts and metrics.
type Report struct {
	Model   string `json:"model"`
	Version int    `json:"version"`
	// Status and ExitCode are the re-run's.
	Status   string `json:"status"`
	ExitCode int    `json:"exit_code"`
	Error    string `json:"error,omitempty"`
	// Files compares each artifact by path; Metrics each metric.
	Files   []FileMatch   `json:"files"`
	Metrics []MetricMatch `json:"metrics"`
	// Identical is true when the re-run succeeded and every artifact
	// hash and metric matched.
	Identical bool `json:"identical"`
	// Notes say what differs in the re-run's surroundings (code or
	// environment changed since the version was recorded).
	Notes []string `json:"notes,omitempty"`
	// CodeID is the code archive the re-run ran ("" when it ran today's
	// working tree).
	CodeID string `json:"code_id,omitempty"`
}

// Options choose what reproduce runs.
type Options struct {
	// CurrentCode runs today's working tree instead of the version's
	// code archive.
	CurrentCode bool
	// StoreLockTimeout bounds the wait for the shared store lock a re-run
	// on a batch executor takes (model.RerunOptions).
	StoreLockTimeout time.Duration
}

// ErrNoCodeArchive is returned when a version has code but no archive of
// it (recorded before mlform archived code) and today's tree was not
// asked for.
var ErrNoCodeArchive = errors.New("no code archive")

// Run reproduces the version addr names (model.NAME@V, or an alias):
// see model.RerunTrain for how it runs. log receives the step's output.
func Run(ctx context.Context, ws *engine.Workspace, st *state.State, addr string, opts Options, log func(string)) (*Report, error) {
	m, v, err := check(st, addr, opts)
	if err != nil {
		return nil, err
	}
	if err := ws.CheckStores(st); err != nil {
		return nil, err
	}
	rr, err := model.RerunTrain(ctx, ws, st, m, v, model.RerunOptions{CurrentCode: opts.CurrentCode, StoreLockTimeout: opts.StoreLockTimeout}, log)
	if err != nil {
		return nil, err
	}
	return compare(ctx, ws, m, v, rr)
}

// check resolves addr and refuses what cannot be reproduced.
func check(st *state.State, addr string, opts Options) (*state.Model, *state.Version, error) {
	m, v, err := query.ResolveVersion(st, "reproduce", addr)
	if err != nil {
		return nil, nil, err
	}
	if v.Status != state.StatusSucceeded || v.ArtifactsID == "" {
		return nil, nil, fmt.Errorf("model.%s v%d %s: only a succeeded version with recorded artifacts can be reproduced", m.Name, v.Version, strings.ReplaceAll(v.Status, "_", " "))
	}
	if !opts.CurrentCode && v.CodeID == "" && v.Inputs.CodeFiles > 0 {
		return nil, nil, fmt.Errorf("model.%s v%d: %w (it was recorded before mlform archived code): run reproduce -current-code to use today's working tree", m.Name, v.Version, ErrNoCodeArchive)
	}
	return m, v, nil
}

// compare builds the report of a re-run against the recorded version.
func compare(ctx context.Context, ws *engine.Workspace, m *state.Model, v *state.Version, rr *model.Rerun) (*Report, error) {
	r := &Report{Model: m.Name, Version: v.Version, Status: rr.Status, ExitCode: rr.ExitCode, Error: rr.Error,
		Notes: rr.Notes, CodeID: rr.CodeID, Files: []FileMatch{}, Metrics: []MetricMatch{}}
	if rr.Status != state.StatusSucceeded {
		return r, nil
	}
	store, err := ws.Store(ctx, v.Store)
	if err != nil {
		return nil, err
	}
	recorded, err := store.GetManifest(ctx, v.ArtifactsID)
	if err != nil {
		return nil, fmt.Errorf("recorded artifacts of v%d: %w", v.Version, err)
	}
	recordedFiles := map[string]string{}
	for _, f := range recorded.Files {
		recordedFiles[f.Path] = f.Hash
	}
	r.Files = compareFiles(recordedFiles, rr.Files)
	if rr.MetricsErr != nil {
		r.Error = rr.MetricsErr.Error()
	}
	r.Metrics = compareMetrics(v.Metrics, rr.Metrics)
	r.Identical = rr.MetricsErr == nil
	for _, f := range r.Files {
		r.Identical = r.Identical && f.Match
	}
	for _, mm := range r.Metrics {
		r.Identical = r.Identical && mm.Match
	}
	return r, nil
}
