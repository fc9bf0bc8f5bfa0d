package dataset

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/mlform/mlform/internal/bloburl"
	"github.com/mlform/mlform/internal/readfile"
	"github.com/mlform/mlform/internal/textfmt"
	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/planner/observe"
	"github.com/mlform/mlform/planner/observe/pathfilter"
	"github.com/mlform/mlform/planner/observe/statcache"
	"github.com/mlform/mlform/planner/plans"
	"github.com/mlform/mlform/planner/profile"
	"github.com/mlform/mlform/providers/source"
	"github.com/mlform/mlform/providers/storage"
	"github.com/mlform/mlform/providers/storage/manifest"
	"github.com/mlform/mlform/state"
)

// ReasonStorageChanged: the dataset's storage block changed, so its
// current snapshot is stored again in the new one.
const ReasonStorageChanged plans.ReasonCode = "storage_changed"

// NoteEmpty: a dataset's source holds no file that include/exclude keep,
// which is almost always a mistyped path or glob.
const NoteEmpty plans.ReasonCode = "empty"

// NoteUnmatchedInclude: one of a dataset's include patterns keeps no file
// while the others keep some, almost always a mistyped glob.
const NoteUnmatchedInclude plans.ReasonCode = "unmatched_include"

// unmatchedIncludeNotes warns, one note per pattern, about the include
// patterns that keep none of the files the dataset observed. A dataset
// that keeps no file at all has emptyNote instead (which names them all).
func unmatchedIncludeNotes(spec engine.DatasetSpec, srcName string, files []observe.File) []*plans.Note {
	if len(spec.Include) < 2 || len(files) == 0 {
		return nil
	}
	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = f.Path
	}
	var notes []*plans.Note
	for _, p := range pathfilter.UnmatchedIncludes(spec.Include, paths) {
		msg := fmt.Sprintf("include pattern %q keeps no file of source %s", p, srcName)
		if len(spec.Exclude) > 0 {
			msg += fmt.Sprintf(" outside exclude %q", spec.Exclude)
		}
		msg += fmt.Sprintf(" (the other patterns keep %s): check it for a typo", textfmt.Count(len(files), "file"))
		notes = append(notes, &plans.Note{Addr: "dataset." + spec.Name, Code: NoteUnmatchedInclude, Message: msg})
	}
	return notes
}

// emptyNote warns about a dataset that observed no file.
func emptyNote(spec engine.DatasetSpec, srcName string) *plans.Note {
	msg := fmt.Sprintf("source %s has no files", srcName)
	switch {
	case len(spec.Include) > 0 && len(spec.Exclude) > 0:
		msg += fmt.Sprintf(" matching include %q minus exclude %q", spec.Include, spec.Exclude)
	case len(spec.Include) > 0:
		msg += fmt.Sprintf(" matching include %q", spec.Include)
	case len(spec.Exclude) > 0:
		msg += fmt.Sprintf(" outside exclude %q", spec.Exclude)
	}
	return &plans.Note{Addr: "dataset." + spec.Name, Code: NoteEmpty, Message: msg + ": its snapshot is empty (check the source path and the globs)"}
}

// Plan observes every selected dataset and plans a snapshot for
// each whose content (snapshot id) differs from its last snapshot.
func Plan(ctx context.Context, pc *engine.PlanContext) error {
	for _, addr := range pc.WS.Graph.Order() {
		if plans.AddrKind(addr) != "dataset" || !pc.Selected[addr] {
			continue
		}
		name := plans.AddrName(addr)
		if err := planDataset(ctx, pc, pc.WS.Datasets[name]); err != nil {
			return fmt.Errorf("dataset.%s: %w", name, err)
		}
	}
	return nil
}

func LastSnapshot(st *state.State, name string) *state.Snapshot {
	ds := st.Datasets[name]
	if ds == nil || len(ds.Snapshots) == 0 {
		return nil
	}
	return ds.Snapshots[len(ds.Snapshots)-1]
}

func planDataset(ctx context.Context, pc *engine.PlanContext, spec engine.DatasetSpec) error {
	addr := "dataset." + spec.Name
	last := LastSnapshot(pc.State, spec.Name)
	if last != nil {
		pc.NextSnapshots[spec.Name] = last.ID
	}
	// -refresh=false trusts the snapshot the state records. A dataset
	// with none (or whose storage changed) has nothing to trust: it is
	// observed, as Terraform still plans the creation of a resource
	// missing from its state under -refresh=false.
	if !pc.Options.Refresh && last != nil && last.Store == spec.Storage {
		return nil
	}
	obs, srcName, stored, err := observeDataset(ctx, pc, spec)
	if err != nil {
		return err
	}
	pc.NextSnapshots[spec.Name] = obs.ID
	if len(obs.Files) == 0 {
		pc.AddNote(emptyNote(spec, srcName))
	}
	for _, n := range unmatchedIncludeNotes(spec, srcName, obs.Files) {
		pc.AddNote(n)
	}
	if last != nil && last.ID == obs.ID && last.Store == spec.Storage {
		return nil
	}

	sc := &plans.SnapshotChange{Dataset: spec.Name, Source: srcName, Store: spec.Storage, NewID: obs.ID,
		Files: len(obs.Files), Bytes: obs.Bytes, Observation: &plans.Observation{Files: make([]plans.ObservedFile, len(obs.Files))}}
	for i, f := range obs.Files {
		sc.Observation.Files[i] = plans.ObservedFile{Path: f.Path, Size: f.Size, Hash: f.Hash, Mode: f.Mode}
		if stored[f.Hash] {
			if sc.Observation.Stored == nil {
				sc.Observation.Stored = map[int]manifest.File{}
			}
			sc.Observation.Stored[i] = f
		}
	}
	if obs.Profile != nil {
		b, err := profile.Encode(obs.Profile)
		if err != nil {
			return fmt.Errorf("encode profile: %w", err)
		}
		sc.Observation.Profile = b
	}
	a := &plans.Action{Addr: addr, Kind: plans.KindSnapshot, Snapshot: sc}
	storageChanged := func() plans.Reason {
		return plans.Reason{Code: ReasonStorageChanged, Message: fmt.Sprintf("storage changed from %q to %q", last.Store, spec.Storage),
			Data: map[string]any{"from": last.Store, "to": spec.Storage}}
	}
	switch {
	case last == nil:
		diffFiles(nil, sc.Observation.Files, sc)
		a.Reasons = []plans.Reason{{Code: plans.ReasonNew, Message: "dataset has no snapshot yet"}}
	case last.ID == obs.ID:
		sc.OldID = last.ID
		sc.DiffKnown = true
		a.Reasons = []plans.Reason{storageChanged()}
	default:
		sc.OldID = last.ID
		if last.Store == spec.Storage && sameModesKnown(pc, spec.Name, obs.ID, last.ID) {
			pc.NextSnapshots[spec.Name] = last.ID
			return nil
		}
		old, err := lastFiles(ctx, pc, last)
		if err != nil {
			pc.AddNote(&plans.Note{Addr: addr, Message: fmt.Sprintf("cannot list what changed since snapshot %s: %v", plans.ShortID(last.ID), err)})
		} else if last.Store == spec.Storage && sameUpToModes(old, sc.Observation.Files) {
			// A snapshot taken before modes were recorded as 0644 or
			// 0755 (observe.SnapshotMode) of the same files: unchanged.
			pc.NextSnapshots[spec.Name] = last.ID
			rememberSameModes(pc, spec.Name, obs.ID, last.ID)
			return nil
		} else {
			diffFiles(old, sc.Observation.Files, sc)
		}
		a.Reasons = []plans.Reason{{Code: plans.ReasonDataChanged, Message: "data changed since snapshot " + plans.ShortID(last.ID),
			Data: map[string]any{"old_id": last.ID, "new_id": obs.ID}}}
		if last.Store != spec.Storage {
			// Both changed: the new snapshot goes to the new storage,
			// and the plan says so.
			a.Reasons = append(a.Reasons, storageChanged())
		}
	}
	pc.AddAction(a)
	return nil
}

// lastFiles lists the previous snapshot's files from its manifest, sorted
// by path. If that manifest cannot be read (store gone, pruned) the plan
// still works: only totals are shown, with a note saying why.
func lastFiles(ctx context.Context, pc *engine.PlanContext, last *state.Snapshot) ([]plans.ObservedFile, error) {
	store, err := pc.WS.Store(ctx, last.Store)
	var m *manifest.Manifest
	if err == nil {
		m, err = store.GetManifest(ctx, last.ID)
	}
	if err != nil {
		return nil, err
	}
	old := make([]plans.ObservedFile, len(m.Files))
	for i, f := range m.Files {
		old[i] = plans.ObservedFile{Path: f.Path, Size: f.Size, Hash: f.Hash, Mode: f.Mode}
	}
	sortObserved(old)
	return old, nil
}

// sameModesPath is where the workspace's cache remembers that the files a
// dataset observes now (id now) are the snapshot state records (id
// recorded) but for modes recorded before observe.SnapshotMode: without
// it every plan read that snapshot's manifest from the store again, one
// read per such dataset per plan, as long as its data stayed the same.
// "" when the cache is disabled.
func sameModesPath(pc *engine.PlanContext, dataset string) string {
	if pc.WS.CacheDir == "" {
		return ""
	}
	return strings.TrimSuffix(statcache.Path(pc.WS.CacheDir, dataset), ".stat") + ".modes"
}

// sameModesKnown reports whether an earlier plan found snapshot recorded
// to hold the files of id now (sameUpToModes).
func sameModesKnown(pc *engine.PlanContext, dataset, now, recorded string) bool {
	path := sameModesPath(pc, dataset)
	if path == "" {
		return false
	}
	b, err := readfile.Read(path, 256) // bounded, and a FIFO is not waited on
	return err == nil && string(b) == now+" "+recorded+"\n"
}

// rememberSameModes records what sameModesKnown reads; best effort (the
// cache is an optimisation: without it the manifest is read again).
func rememberSameModes(pc *engine.PlanContext, dataset, now, recorded string) {
	if path := sameModesPath(pc, dataset); path != "" {
		_ = os.WriteFile(path, []byte(now+" "+recorded+"\n"), 0o644)
	}
}

// sameUpToModes reports whether old (a recorded snapshot's files) and cur
// (sorted by path) are the same files, comparing old's modes as a
// snapshot records them now (observe.SnapshotMode).
func sameUpToModes(old, cur []plans.ObservedFile) bool {
	if len(old) != len(cur) {
		return false
	}
	for i, o := range old {
		c := cur[i]
		if o.Path != c.Path || o.Size != c.Size || o.Hash != c.Hash || observe.SnapshotMode(o.Mode) != c.Mode {
			return false
		}
	}
	return true
}

// observeDataset hashes the dataset's files (through the stat cache) with
// the store's chunker, so the id matches what apply will store. The store
// is opened only when a file must be hashed: an unchanged dataset costs
// its stat calls and the cache, nothing more.
// With StoreWhileObserving, hashed files are also stored; stored reports
// their file hashes.
func observeDataset(ctx context.Context, pc *engine.PlanContext, spec engine.DatasetSpec) (obs *observe.Observation, srcName string, stored map[string]bool, err error) {
	src, err := source.Open(ctx, spec.Source, pc.WS.BaseDir)
	if err != nil {
		return nil, "", nil, spec.OpenError(err)
	}
	defer src.Close()
	// A store's chunking is fixed by its config, and storage.Open refuses
	// any config but this build's: these constants are the store's.
	hashID := fmt.Sprintf("%s/%s/%d/%d/%d", storage.HashAlgorithm, storage.ChunkAlgorithm, storage.ChunkMinSize, storage.ChunkAvgSize, storage.ChunkMaxSize)
	opts := observe.Options{
		Include:      spec.Include,
		Exclude:      spec.Exclude,
		Workers:      pc.WS.Workers,
		CacheDir:     pc.WS.CacheDir,
		CacheKey:     spec.Name,
		SourceName:   spec.CacheSourceName(),
		Skip:         pc.WS.OwnDirs(),
		StatsColumns: spec.StatsColumns,
		HashID:       hashID,
		Hash: func(r io.Reader) (manifest.File, error) {
			store, err := pc.WS.Store(ctx, spec.Storage)
			if err != nil {
				return manifest.File{}, err
			}
			return store.HashFile(r)
		},
		ManifestID: func(files []manifest.File) string {
			return manifest.ID(&manifest.Manifest{Kind: manifest.KindSnapshot, Files: files})
		},
	}
	if pc.Options.StoreWhileObserving {
		var mu sync.Mutex
		stored = map[string]bool{}
		opts.Hash = func(r io.Reader) (manifest.File, error) {
			store, err := pc.WS.Store(ctx, spec.Storage)
			if err != nil {
				return manifest.File{}, err
			}
			f, err := store.PutFile(ctx, r)
			if err == nil {
				mu.Lock()
				stored[f.Hash] = true
				mu.Unlock()
			}
			return f, err
		}
	}
	if pc.Options.Observing != nil {
		addr := "dataset." + spec.Name
		opts.Progress = func(files int, bytes int64) { pc.Options.Observing(addr, files, bytes) }
	}
	obs, err = observe.Observe(ctx, src, opts)
	if err != nil {
		return nil, "", nil, spec.HideSource(fmt.Errorf("observe %s: %w", src, err))
	}
	return obs, sourceName(spec, src), stored, nil
}

// sourceName is how plans and state name the dataset's source src.
func sourceName(spec engine.DatasetSpec, src source.Source) string {
	if spec.SourceSensitive {
		return spec.Display
	}
	if src.Local() {
		// A local source is named as the configuration writes it
		// ("data/churn", relative to the workspace), as docs/plan-json.md
		// shows: not the absolute path it resolves to on this machine,
		// which would put a home directory into plans, state and reports
		// and differ between two checkouts of one workspace.
		return bloburl.Redact(spec.Source)
	}
	return src.String()
}
