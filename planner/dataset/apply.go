package dataset

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/mlform/mlform/providers/storage/chunker"

	"golang.org/x/sync/errgroup"

	"github.com/mlform/mlform/internal/termtext"
	"github.com/mlform/mlform/internal/textfmt"
	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/planner/plans"
	"github.com/mlform/mlform/providers/source"
	"github.com/mlform/mlform/providers/storage"
	"github.com/mlform/mlform/providers/storage/manifest"
	"github.com/mlform/mlform/state"
	"github.com/mlform/mlform/state/statemgr"
)

// ErrChangedSincePlan marks a dataset whose files no longer match what the
// plan observed.
var ErrChangedSincePlan = errors.New("changed since the plan; run plan again")

// RunSnapshot stores every observed file (verifying each hash against the
// plan), seals the packs, writes the manifest, stores the profile and only
// then records the snapshot in state: packs, index, manifest, state, so a
// crash at any point leaves at most unreferenced objects for gc.
func RunSnapshot(ctx context.Context, rc *engine.RunContext, a *plans.Action) error {
	sc := a.Snapshot
	ws := rc.Workspace
	if sc.Observation == nil {
		return fmt.Errorf("the plan holds no observation of dataset.%s; run plan again", sc.Dataset)
	}
	spec, ok := ws.Datasets[sc.Dataset]
	if !ok {
		return fmt.Errorf("dataset.%s is no longer declared; run plan again", sc.Dataset)
	}
	store, err := ws.Store(ctx, sc.Store)
	if err != nil {
		return err
	}
	src, err := source.Open(ctx, spec.Source, ws.BaseDir)
	if err != nil {
		return spec.OpenError(err)
	}
	defer src.Close()

	files, err := putFiles(ctx, rc, a, src, store)
	if err != nil {
		return spec.HideSource(err)
	}
	if err := store.Flush(ctx); err != nil {
		return fmt.Errorf("flush store: %w", err)
	}
	m := &manifest.Manifest{Kind: manifest.KindSnapshot, Files: files}
	// The manifest is written only if it is the snapshot the plan showed.
	if err := store.PutManifestAs(ctx, m, sc.NewID); err != nil {
		if errors.Is(err, storage.ErrManifestID) {
			return fmt.Errorf("dataset.%s %w (snapshot id %s, plan expected %s)", sc.Dataset, ErrChangedSincePlan, plans.ShortID(manifest.ID(m)), plans.ShortID(sc.NewID))
		}
		return fmt.Errorf("write manifest: %w", err)
	}
	id := sc.NewID
	profileID := ""
	if len(sc.Observation.Profile) > 0 {
		if profileID, err = store.PutObject(ctx, sc.Observation.Profile); err != nil {
			return fmt.Errorf("write profile: %w", err)
		}
	}
	// The source recorded is the one read, named as plan names it: a plan
	// file is read back and may have been edited (its checksum is no
	// secret), and its source is only what it showed.
	snap := &state.Snapshot{ID: id, CreatedAt: ws.Now.UTC(), Source: sourceName(spec, src), Files: sc.Files, Bytes: sc.Bytes, ProfileID: profileID, Store: sc.Store}
	err = rc.UpdateState(statemgr.ChangingDataset(ctx, sc.Dataset), func(st *state.State) error {
		ds := st.Datasets[sc.Dataset]
		if ds == nil {
			ds = &state.Dataset{Name: sc.Dataset}
			st.Datasets[sc.Dataset] = ds
		}
		ds.Snapshots = append(ds.Snapshots, snap)
		return nil
	})
	if err != nil {
		return err
	}
	rc.SetSummary(a, fmt.Sprintf("snapshot %s (%s, %s)", plans.ShortID(id), textfmt.Files(sc.Files), textfmt.Bytes(sc.Bytes)))
	return nil
}

// putFiles streams every observed file into the store with ws.Workers
// goroutines, checking each stored file is exactly what plan observed.
func putFiles(ctx context.Context, rc *engine.RunContext, a *plans.Action, src source.Source, store *storage.Store) ([]manifest.File, error) {
	obs := a.Snapshot.Observation.Files
	out := make([]manifest.File, len(obs))
	workers := rc.Workspace.Workers
	if workers <= 0 {
		workers = 1
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for i := range obs {
		if gctx.Err() != nil {
			break
		}
		if f, ok := a.Snapshot.Observation.Stored[i]; ok {
			// Stored while observing, in this process: seal, don't reread.
			f.Path, f.Mode = obs[i].Path, obs[i].Mode
			out[i] = f
			rc.Progress.Advance(a, 1, f.Size)
			continue
		}
		g.Go(func() error {
			f, err := putOne(gctx, rc, a, src, store, obs[i])
			if err != nil {
				return err
			}
			out[i] = f
			rc.Progress.Advance(a, 1, 0)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

func putOne(ctx context.Context, rc *engine.RunContext, a *plans.Action, src source.Source, store *storage.Store, want plans.ObservedFile) (manifest.File, error) {
	dataset := a.Snapshot.Dataset
	if hook := rc.Workspace.TestBeforeFile; hook != nil {
		if err := hook(ctx, want.Path); err != nil {
			return manifest.File{}, err
		}
	}
	r, err := src.Open(ctx, want.Path)
	if err != nil {
		return manifest.File{}, fmt.Errorf("dataset.%s %w: %s: %v", dataset, ErrChangedSincePlan, termtext.QuotePath(want.Path), err)
	}
	defer r.Close()
	f, err := store.PutFile(ctx, &progressReader{r: r, a: a, p: rc.Progress})
	if err != nil {
		return manifest.File{}, fmt.Errorf("store %s: %w", termtext.QuotePath(want.Path), err)
	}
	if f.Hash != want.Hash || f.Size != want.Size {
		return manifest.File{}, fmt.Errorf("dataset.%s %w: %s is not what plan observed", dataset, ErrChangedSincePlan, termtext.QuotePath(want.Path))
	}
	f.Path, f.Mode = want.Path, want.Mode
	return f, nil
}

// progressReader reports bytes as they are read, so a single large file
// shows progress while it is stored.
type progressReader struct {
	r io.Reader
	a *plans.Action
	p engine.Progress
}

func (pr *progressReader) Read(b []byte) (int, error) {
	n, err := pr.r.Read(b)
	if n > 0 {
		pr.p.Advance(pr.a, 0, int64(n))
	}
	return n, err
}

// Size passes on the size of the underlying reader, when it can tell.
func (pr *progressReader) Size() int64 { return chunker.SizeOf(pr.r) }
