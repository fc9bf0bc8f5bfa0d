package model

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/mlform/mlform/planner/codehash"
	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/planner/policy"
	"github.com/mlform/mlform/planner/step"
	"github.com/mlform/mlform/providers/blob"
	"github.com/mlform/mlform/providers/executor"
	"github.com/mlform/mlform/providers/executor/remote"
	"github.com/mlform/mlform/providers/storage"
)

// The job a remote step is: its spec object (what the runner reads:
// command, inputs by id, params) stored in the model's store, and the
// executor task that runs `mlform step run` on it (remote.Job).

// newRemoteSpec is the spec of spec's train or evaluate step (name) as
// version, its outputs going to storeName: without its inputs yet.
func newRemoteSpec(spec *modelSpec, name string, version int, storeName string) *remote.Spec {
	s := spec.Train
	if name == executor.StepEvaluate {
		s = *spec.Evaluate
	}
	return &remote.Spec{Model: spec.Name, Version: version, Step: name, Command: s.Command, Timeout: s.Timeout,
		Datasets: map[string]remote.Input{}, Env: slices.Sorted(maps.Keys(spec.Environment.Env)), Store: storeName, Nonce: nonce()}
}

// storeSpec completes rspec with the step's params (stored as an object)
// and the snapshots it reads, stores it in store and returns its id and
// the stores the job reads.
func storeSpec(ctx context.Context, store *storage.Store, rspec *remote.Spec, params map[string]any, snaps, snapStores map[string]string) (string, map[string]bool, error) {
	canon, err := policy.CanonicalParams(params)
	if err != nil {
		what := "params"
		if rspec.Step == executor.StepEvaluate {
			what = "evaluate params"
		}
		return "", nil, fmt.Errorf("%s: %w", what, err)
	}
	if rspec.Params, err = store.PutObject(ctx, canon); err != nil {
		return "", nil, fmt.Errorf("store params: %w", err)
	}
	used := map[string]bool{rspec.Store: true}
	for ds, id := range snaps {
		rspec.Datasets[ds] = remote.Input{Store: orDefaultStore(snapStores[ds]), ID: id}
		used[orDefaultStore(snapStores[ds])] = true
	}
	b, err := remote.EncodeSpec(rspec)
	if err != nil {
		return "", nil, err
	}
	specID, err := store.PutObject(ctx, b)
	if err != nil {
		return "", nil, fmt.Errorf("store the step spec: %w", err)
	}
	return specID, used, nil
}

// archiveWorkTree archives today's code of spec for a remote step (nil:
// the model declares no code).
func archiveWorkTree(ctx context.Context, ws *engine.Workspace, store *storage.Store, storeName string, spec *modelSpec) (*remote.Input, error) {
	if len(spec.Code) == 0 {
		return nil, nil
	}
	hash, _, err := codehash.CodeHashCached(ws.BaseDir, spec.Code, nil)
	if err != nil {
		return nil, err
	}
	id, err := step.ArchiveCode(ctx, store, ws.BaseDir, spec.Code, hash)
	if err != nil {
		return nil, err
	}
	return &remote.Input{Store: storeName, ID: id}, nil
}

func orDefaultStore(s string) string {
	if s == "" {
		return engine.DefaultStorage
	}
	return s
}

// nonce is 16 random hex characters: two submissions of one step are two
// spec objects.
func nonce() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// remoteTask is the job that runs spec specID: `mlform step run` with the
// stores' URLs and the environment block's values in its environment, in
// a working directory that is not the workspace (the runner makes its
// own).
func remoteTask(ws *engine.Workspace, bx executor.Batch, spec *modelSpec, rspec *remote.Spec, specID string, stores map[string]bool) (executor.Task, error) {
	bin, err := bx.RemoteBinary()
	if err != nil {
		return executor.Task{}, &binaryError{err}
	}
	urls := map[string]string{}
	for name := range stores {
		u, ok := ws.StoreURLs[name]
		if !ok {
			return executor.Task{}, fmt.Errorf("storage %q is not declared", name)
		}
		if u, err = jobStoreURL(u, ws.BaseDir); err != nil {
			return executor.Task{}, fmt.Errorf("storage %q: %w", name, err)
		}
		urls[name] = u
	}
	argv, env, err := remote.Job(remote.JobSpec{Binary: bin, SpecID: specID, SpecStore: rspec.Store, Stores: urls,
		Env: spec.Environment.Env, Redact: spec.Secrets})
	if err != nil {
		return executor.Task{}, err
	}
	return executor.Task{Model: rspec.Model, Version: rspec.Version, Step: rspec.Step, Attempt: specID[:12], Command: argv,
		Dir: os.TempDir(), Env: env, Timeout: rspec.Timeout, Image: spec.Environment.Image}, nil
}

// jobStoreURL makes a store URL usable from another machine: a relative
// file:// store becomes absolute (nodes must see that path: a shared
// filesystem); an in-memory store cannot be reached at all.
func jobStoreURL(u, baseDir string) (string, error) {
	if dir, ok := blob.LocalPath(u, baseDir); ok {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return "", err
		}
		return "file://" + filepath.ToSlash(abs), nil
	}
	if len(u) >= 6 && u[:6] == "mem://" {
		return "", errors.New("an in-memory store (mem://) cannot be reached by a remote job: use a bucket or a shared directory")
	}
	return u, nil
}

// binaryError is remoteTask's error when the executor has no mlform binary
// for its jobs (Slurm's binary setting names a missing file).
type binaryError struct{ err error }

func (e *binaryError) Error() string { return e.err.Error() }
func (e *binaryError) Unwrap() error { return e.err }
