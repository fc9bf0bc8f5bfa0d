package model

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/mlform/mlform/internal/tempdir"
	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/planner/policy"
	"github.com/mlform/mlform/planner/step"
	"github.com/mlform/mlform/providers/executor"
	"github.com/mlform/mlform/providers/storage"
	"github.com/mlform/mlform/state"
)

// Rerun is what running a recorded version's train step again gave; the
// comparison with what was recorded is planner/reproduce's.
type Rerun struct {
	// Status and ExitCode are the re-run's; Error says why it did not
	// succeed.
	Status   string
	ExitCode int
	Error    string
	// CodeID is the code archive the re-run ran ("" when it ran today's
	// working tree).
	CodeID string
	// Notes say what differs in the re-run's surroundings (code or
	// environment changed since the version was recorded).
	Notes []string
	// Files are the re-run's artifacts, path -> the hash the store gives
	// a file; Metrics its metrics, MetricsErr why they could not be read.
	Files      map[string]string
	Metrics    map[string]float64
	MetricsErr error
}

// RerunOptions choose how RerunTrain runs.
type RerunOptions struct {
	// CurrentCode runs today's working tree instead of the version's
	// code archive.
	CurrentCode bool
	// StoreLockTimeout bounds the wait for the shared store lock a re-run
	// on a batch executor takes (a gc holds the exclusive one); 0 tries
	// once.
	StoreLockTimeout time.Duration
}

// RerunTrain runs the train step of version v of model m again with its
// recorded inputs: the same snapshots materialised from the store, the
// same params and command, the same version number, the model and dataset
// names the step saw (a moved block may have renamed them since:
// state.TrainedAs), in a temporary directory, with the version's own code (its code archive, materialised
// into a temporary directory that is the step's working directory) unless
// currentCode, and the model's environment as it is now (differences are
// noted). On a batch executor it runs as a job through the remote-step
// protocol: it stores the job's spec and params (and with CurrentCode
// today's code archive) in the model's store, under a shared store lock
// held until ws is closed, so a gc of any workspace sharing the store
// waits until the job has read them. Nothing is recorded in state, and
// nothing it stores is kept: no root names it, and a gc after it
// collects it.
func RerunTrain(ctx context.Context, ws *engine.Workspace, st *state.State, m *state.Model, v *state.Version, opts RerunOptions, log func(string)) (*Rerun, error) {
	specs, err := loadSpecs(ws)
	if err != nil {
		return nil, err
	}
	specs.carryRecorded(st)
	return rerunTrain(ctx, ws, st, specs, m, v, opts, log)
}

// rerunTrain is RerunTrain with the specs given (tests).
func rerunTrain(ctx context.Context, ws *engine.Workspace, st *state.State, specs *modelSpecs, m *state.Model, v *state.Version, opts RerunOptions, log func(string)) (*Rerun, error) {
	currentCode := opts.CurrentCode
	decl := specs.Models[m.Name]
	if decl == nil {
		return nil, fmt.Errorf("%s is not declared in the configuration: reproduce runs it in its declared environment", m.Name)
	}
	spec := *decl
	spec.Train.Command = v.Inputs.Command
	spec.Train.Params = v.Inputs.Params
	r := &Rerun{}
	archived := !currentCode && v.CodeID != ""
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
	// The step runs with the names it was trained with: a moved block
	// since renamed the model or datasets only in state.
	model, snaps, trainedStores := trainedNames(m.Name, v, stores)
	if note := renamedNote(m.Name, v); note != "" {
		r.Notes = append(r.Notes, note)
	}
	if bx, name, ok := batchExecutor(ws, spec.Environment.Executor, spec.ExecutorSettings); ok {
		// The job's spec is stored before anything records it: only the
		// shared store lock keeps a gc elsewhere from collecting it (and
		// the chunks of a code archive found in the index) before the
		// job has read it.
		ws.LockStores(engine.StoreLocking{Command: "reproduce", Timeout: opts.StoreLockTimeout})
		return rerunRemote(ctx, ws, &spec, v, model, snaps, trainedStores, archived, bx, name, log, r)
	}
	run := localStep(ws, &spec, executor.StepTrain, v.Version)
	run.Model = model
	run.Snapshots, run.SnapshotStores, run.Log = snaps, trainedStores, log
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
	if r.Files, err = hashTree(store, out.OutputDir); err != nil {
		return nil, fmt.Errorf("hash reproduced artifacts: %w", err)
	}
	r.Metrics, r.MetricsErr = step.ReadMetrics(out, spec.Secrets)
	return r, nil
}

// trainedNames are the model name, snapshots and their stores as version
// v of model (today's name) was trained with them: the names its step
// saw in MLFORM_MODEL, under MLFORM_DATA_DIR and in the
// MLFORM_DATASET_<NAME>_DIR variables.
func trainedNames(model string, v *state.Version, stores map[string]string) (string, map[string]string, map[string]string) {
	byTrained := make(map[string]string, len(stores))
	for ds, store := range stores {
		byTrained[v.TrainedDataset(ds)] = store
	}
	return v.TrainedModel(model), v.TrainedSnapshots(), byTrained
}

// renamedNote says which names of v differ from today's ("" when none):
// "trained as model.churn with dataset.events (renamed since)".
func renamedNote(model string, v *state.Version) string {
	var renamed []string
	for _, ds := range slices.Sorted(maps.Keys(v.Inputs.Snapshots)) {
		if old := v.TrainedDataset(ds); old != ds {
			renamed = append(renamed, "dataset."+old)
		}
	}
	old := v.TrainedModel(model)
	switch {
	case old != model && len(renamed) > 0:
		return fmt.Sprintf("trained as model.%s with %s (renamed since)", old, strings.Join(renamed, ", "))
	case old != model:
		return fmt.Sprintf("trained as model.%s (renamed since)", old)
	case len(renamed) > 0:
		return fmt.Sprintf("trained with %s (renamed since)", strings.Join(renamed, ", "))
	}
	return ""
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
