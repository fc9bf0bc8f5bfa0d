package model

import (
	"context"
	"fmt"

	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/planner/step"
	"github.com/mlform/mlform/providers/executor"
	"github.com/mlform/mlform/providers/executor/remote"
	"github.com/mlform/mlform/state"
)

// rerunRemote is rerunTrain on a batch executor: the version's train
// runs again through the remote-step protocol (its code archive, or
// today's tree archived when !archived); the artifacts are the ones the
// job stored, by their hashes in the store. model and snaps (with their
// stores) are named as v was trained.
func rerunRemote(ctx context.Context, ws *engine.Workspace, spec *modelSpec, v *state.Version, model string, snaps, snapStores map[string]string,
	archived bool, bx executor.Batch, exName string, log func(string), r *Rerun) (*Rerun, error) {
	if log == nil {
		log = func(string) {}
	}
	storeName := orDefaultStore(v.Store)
	store, err := ws.Store(ctx, storeName)
	if err != nil {
		return nil, err
	}
	rspec := newRemoteSpec(spec, executor.StepTrain, v.Version, storeName)
	rspec.Model = model // the names v was trained with (rerunTrain)
	if archived {
		rspec.Code = &remote.Input{Store: storeName, ID: v.CodeID}
		r.CodeID = v.CodeID
	} else if rspec.Code, err = archiveWorkTree(ctx, ws, store, storeName, spec); err != nil {
		return nil, err
	}
	specID, used, err := storeSpec(ctx, store, rspec, spec.Train.Params, snaps, snapStores)
	if err != nil {
		return nil, err
	}
	// What was just stored is live only while the lock held: a lost lock
	// (judged stale while this process was stopped) may have let a gc
	// elsewhere collect it, and the job would fail reading it.
	if err := store.CheckLocks(ctx); err != nil {
		return nil, fmt.Errorf("storage %q: %w; nothing was submitted: run reproduce again", storeName, err)
	}
	res, rr, err := runRemoteOnce(ctx, ws, bx, exName, spec, rspec, specID, used, store, log)
	if err != nil {
		return nil, err
	}
	r.Status, r.ExitCode = res.Status, res.ExitCode
	if rr != nil && res.Status == state.StatusSucceeded {
		r.Status, r.ExitCode = rr.Status, rr.ExitCode
	}
	if r.Status != state.StatusSucceeded {
		r.Error = fmt.Sprintf("train command %s (exit status %d)", r.Status, r.ExitCode)
		if rr != nil && rr.Error != "" {
			r.Error += ": " + rr.Error
		} else if res.Reason != "" {
			r.Error += ": " + res.Reason
		}
		return r, nil
	}
	got, err := store.GetManifest(ctx, rr.ArtifactsID)
	if err != nil {
		return nil, fmt.Errorf("reproduced artifacts: %w", err)
	}
	r.Files = map[string]string{}
	for _, f := range got.Files {
		r.Files[f.Path] = f.Hash
	}
	r.Metrics, r.MetricsErr = step.StoredMetrics(ctx, store, rr.ArtifactsID, spec.Secrets, true)
	return r, nil
}
