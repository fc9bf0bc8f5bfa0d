package model

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"

	"github.com/mlform/mlform/internal/tempdir"
	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/planner/policy"
	"github.com/mlform/mlform/planner/query"
	"github.com/mlform/mlform/planner/step"
	"github.com/mlform/mlform/providers/executor"
	"github.com/mlform/mlform/providers/storage"
	"github.com/mlform/mlform/state"
)

// ReproduceReport says whether re-running a version's train with its
// recorded inputs gave the same artifacts and metrics.
type ReproduceReport struct {
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

// FileMatch compares one artifact ("" hash: absent on that side).
type FileMatch struct {
	Path       string `json:"path"`
	Recorded   string `json:"recorded"`
	Reproduced string `json:"reproduced"`
	Match      bool   `json:"match"`
}

// MetricMatch compares one metric (nil: absent on that side).
type MetricMatch struct {
	Name       string   `json:"name"`
	Recorded   *float64 `json:"recorded"`
	Reproduced *float64 `json:"reproduced"`
	Match      bool     `json:"match"`
}

// ReproduceOptions choose what reproduce runs.
type ReproduceOptions struct {
	// CurrentCode runs today's working tree instead of the version's
	// code archive.
	CurrentCode bool
}

// ErrNoCodeArchive is returned when a version has code but no archive of
// it (recorded before mlform archived code) and today's tree was not
// asked for.
var ErrNoCodeArchive = errors.New("no code archive")

// Reproduce re-runs the train step of NAME@V (addr; an alias works
// too) with its recorded inputs: the same snapshots materialised from the
// store, the same params and command, the same version number, in a
// temporary directory, with the version's own code (its code archive,
// materialised into a temporary directory that is the step's working
// directory) unless opts.CurrentCode, and the model's environment as it
// is now (differences are noted). Nothing is recorded in state.
func Reproduce(ctx context.Context, ws *engine.Workspace, st *state.State, addr string, opts ReproduceOptions, log func(string)) (*ReproduceReport, error) {
	specs, err := loadSpecs(ws)
	if err != nil {
		return nil, err
	}
	return reproduce(ctx, ws, st, specs, addr, opts, log)
}

// reproduce is Reproduce with the specs given (tests).
func reproduce(ctx context.Context, ws *engine.Workspace, st *state.State, specs *modelSpecs, addr string, opts ReproduceOptions, log func(string)) (*ReproduceReport, error) {
	m, v, err := query.ResolveVersion(st, "reproduce", addr)
	if err != nil {
		return nil, err
	}
	if v.Status != state.StatusSucceeded || v.ArtifactsID == "" {
		return nil, fmt.Errorf("%s v%d %s: only a succeeded version with recorded artifacts can be reproduced", m.Name, v.Version, v.Status)
	}
	if !opts.CurrentCode && v.CodeID == "" && v.Inputs.CodeFiles > 0 {
		return nil, fmt.Errorf("model.%s v%d: %w (it was recorded before mlform archived code): run reproduce -current-code to use today's working tree", m.Name, v.Version, ErrNoCodeArchive)
	}
	decl := specs.Models[m.Name]
	if decl == nil {
		return nil, fmt.Errorf("%s is not declared in the configuration: reproduce runs it in its declared environment", m.Name)
	}
	spec := *decl
	spec.Train.Command = v.Inputs.Command
	spec.Train.Params = v.Inputs.Params
	r := &ReproduceReport{Model: m.Name, Version: v.Version, Files: []FileMatch{}, Metrics: []MetricMatch{}}
	archived := !opts.CurrentCode && v.CodeID != ""
	if now, err := buildInputs(ws.BaseDir, &spec, v.Inputs.Snapshots, codeCache(ws)); err == nil {
		for _, c := range policy.DiffInputs(v.Inputs, now) {
			if c.Kind == policy.KindCode && archived {
				r.Notes = append(r.Notes, "today's code differs from the version's; its archived code was run")
				continue
			}
			r.Notes = append(r.Notes, "differs from the recorded inputs: "+c.Message)
		}
	} else if !archived {
		r.Notes = append(r.Notes, "current inputs could not be computed: "+err.Error())
	}
	stores, err := snapshotStores(st, v.Inputs.Snapshots)
	if err != nil {
		return nil, err
	}
	if bx, name, ok := batchExecutor(ws, spec.Environment.Executor, spec.ExecutorSettings); ok {
		return reproduceRemote(ctx, ws, &spec, v, stores, archived, bx, name, log, r)
	}
	run := localStep(ws, &spec, executor.StepTrain, v.Version)
	run.Snapshots, run.SnapshotStores, run.Log = v.Inputs.Snapshots, stores, log
	if archived {
		dir, err := materializeCode(ctx, ws, v)
		if err != nil {
			return nil, err
		}
		defer tempdir.Remove(dir)
		run.Dir = filepath.Join(dir, "code")
		r.CodeID = v.CodeID
	}
	out, err := run.Run(ctx)
	if out != nil {
		defer out.Close()
	}
	if err != nil {
		return nil, err
	}
	r.Status, r.ExitCode = out.Result.Status, out.Result.ExitCode
	if r.Status != state.StatusSucceeded {
		r.Error = fmt.Sprintf("train command %s (exit status %d)", r.Status, r.ExitCode)
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
	got, err := hashTree(store, out.OutputDir)
	if err != nil {
		return nil, fmt.Errorf("hash reproduced artifacts: %w", err)
	}
	metrics, merr := step.ReadMetrics(out, spec.Secrets)
	r.compare(recorded.Files, got, v.Metrics, metrics, merr)
	return r, nil
}

// compare fills the report from the recorded and reproduced artifacts
// (path -> hash) and metrics; merr says why the re-run's metrics could
// not be read (then it is not identical).
func (r *ReproduceReport) compare(recorded []storage.File, got map[string]string, recordedMetrics, metrics map[string]float64, merr error) {
	r.Files = compareFiles(recorded, got)
	if merr != nil {
		r.Error = merr.Error()
	}
	r.Metrics = compareMetrics(recordedMetrics, metrics)
	r.Identical = merr == nil
	for _, f := range r.Files {
		r.Identical = r.Identical && f.Match
	}
	for _, m := range r.Metrics {
		r.Identical = r.Identical && m.Match
	}
}

// hashTree hashes every regular file under dir the way the store would
// (path -> file hash), storing nothing.
func hashTree(store *storage.Store, dir string) (map[string]string, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	out := map[string]string{}
	err = fs.WalkDir(root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s: not a regular file", p)
		}
		f, err := root.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		sf, err := store.HashFile(io.Reader(f))
		if err != nil {
			return err
		}
		out[p] = sf.Hash
		return nil
	})
	return out, err
}

func compareFiles(recorded []storage.File, got map[string]string) []FileMatch {
	byPath := map[string]*FileMatch{}
	for _, f := range recorded {
		byPath[f.Path] = &FileMatch{Path: f.Path, Recorded: f.Hash}
	}
	for p, h := range got {
		if byPath[p] == nil {
			byPath[p] = &FileMatch{Path: p}
		}
		byPath[p].Reproduced = h
	}
	out := make([]FileMatch, 0, len(byPath))
	for _, p := range slices.Sorted(maps.Keys(byPath)) {
		m := byPath[p]
		m.Match = m.Recorded != "" && m.Recorded == m.Reproduced
		out = append(out, *m)
	}
	return out
}

func compareMetrics(recorded, got map[string]float64) []MetricMatch {
	names := map[string]bool{}
	for k := range recorded {
		names[k] = true
	}
	for k := range got {
		names[k] = true
	}
	keys := make([]string, 0, len(names))
	for k := range names {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]MetricMatch, 0, len(keys))
	for _, k := range keys {
		m := MetricMatch{Name: k}
		if v, ok := recorded[k]; ok {
			m.Recorded = &v
		}
		if v, ok := got[k]; ok {
			m.Reproduced = &v
		}
		m.Match = m.Recorded != nil && m.Reproduced != nil && *m.Recorded == *m.Reproduced
		out = append(out, m)
	}
	return out
}

// materializeCode writes the code archive of v into a fresh temporary
// directory's "code" subdirectory and returns the temporary directory.
func materializeCode(ctx context.Context, ws *engine.Workspace, v *state.Version) (string, error) {
	store, err := ws.Store(ctx, v.Store)
	if err != nil {
		return "", err
	}
	tmp, err := tempdir.New(fmt.Sprintf("code-v%d", v.Version), ws.Now)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(tmp, "code")
	if err := os.Mkdir(dir, 0o755); err != nil {
		tempdir.Remove(tmp)
		return "", err
	}
	if err := store.Materialize(ctx, v.CodeID, dir); err != nil {
		tempdir.Remove(tmp)
		return "", fmt.Errorf("materialise the code archive %s of v%d: %w", v.CodeID[:12], v.Version, err)
	}
	return tmp, nil
}
