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

// reproduceRemote is reproduce on a batch executor: the version's train
// runs again through the remote-step protocol (its code archive, or
// today's tree archived when !archived), and the artifacts the job stored
// are compared with the recorded ones by their hashes in the store.
func reproduceRemote(ctx context.Context, ws *engine.Workspace, spec *modelSpec, v *state.Version, snapStores map[string]string,
	archived bool, bx executor.Batch, exName string, log func(string), r *ReproduceReport) (*ReproduceReport, error) {
	if log == nil {
		log = func(string) {}
	}
	storeName := orDefaultStore(v.Store)
	store, err := ws.Store(ctx, storeName)
	if err != nil {
		return nil, err
	}
	rspec := newRemoteSpec(spec, executor.StepTrain, v.Version, storeName)
	if archived {
		rspec.Code = &remote.Input{Store: storeName, ID: v.CodeID}
		r.CodeID = v.CodeID
	} else if rspec.Code, err = archiveWorkTree(ctx, ws, store, storeName, spec); err != nil {
		return nil, err
	}
	specID, used, err := storeSpec(ctx, store, rspec, spec.Train.Params, v.Inputs.Snapshots, snapStores)
	if err != nil {
		return nil, err
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
	recorded, err := store.GetManifest(ctx, v.ArtifactsID)
	if err != nil {
		return nil, fmt.Errorf("recorded artifacts of v%d: %w", v.Version, err)
	}
	got, err := store.GetManifest(ctx, rr.ArtifactsID)
	if err != nil {
		return nil, fmt.Errorf("reproduced artifacts: %w", err)
	}
	hashes := map[string]string{}
	for _, f := range got.Files {
		hashes[f.Path] = f.Hash
	}
	metrics, merr := step.StoredMetrics(ctx, store, rr.ArtifactsID, spec.Secrets, true)
	r.compare(recorded.Files, hashes, v.Metrics, metrics, merr)
	return r, nil
}
