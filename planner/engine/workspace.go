package engine

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/mlform/mlform/providers/blob"
	"github.com/mlform/mlform/providers/executor"

	"github.com/mlform/mlform/config"
	"github.com/mlform/mlform/providers/storage"
)

// DefaultCacheDir is where the stat cache lives, relative to the working
// directory.
const DefaultCacheDir = ".mlform/cache"

// Workspace is one working directory's configuration, stores and clock as
// planning and apply see them. Stores are opened lazily and shared by
// every action of one run.
type Workspace struct {
	// BaseDir is the working directory relative paths resolve against.
	BaseDir string
	// Now is the injectable clock (-now / MLFORM_NOW); planner logic never
	// calls time.Now.
	Now time.Time
	// FixedClock is set when Now was given (-now / MLFORM_NOW): recorded
	// times (versions too, not only alias moves) then follow it, so a run
	// has one clock.
	FixedClock bool
	// Config is the evaluated configuration.
	Config *config.Config
	// Datasets and StoreURLs are the parts of Config the dataset loop uses.
	Datasets  map[string]DatasetSpec
	StoreURLs map[string]string
	// StoreSecrets holds, for each storage whose URL derives from a
	// sensitive variable, the texts hidden from its errors and displays.
	StoreSecrets map[string][]string
	// Graph is the dependency graph of declared objects.
	Graph *Graph
	// Executors are the executors steps may run on; the caller (cli)
	// registers them once, so planner depends on no concrete executor.
	Executors *executor.Registry
	// CacheDir holds the stat cache ("" disables it).
	CacheDir string
	// Workers bounds per-action parallelism (hashing, uploads); default
	// one per CPU.
	Workers int
	// OffHeap, when set, is told of memory the stores map outside the Go
	// heap (storage.Options.OffHeap).
	OffHeap func(delta int64)
	// TestBeforeFile is a test hook called before storing each file, so
	// end-to-end tests can interrupt a snapshot midway; an error stops
	// the store. Nil in real runs (cli sets it only in test builds).
	TestBeforeFile func(ctx context.Context, path string) error
	// Repair opens stores whose index objects are damaged (skipping them),
	// for gc -check and gc -rebuild-index; every other command refuses such
	// a store so it never writes on top of a damaged index.
	Repair bool
	// NoWait (apply -wait=false) makes a step on a batch executor return
	// once its job is submitted and recorded as running; a later apply
	// collects it (planner/model/remote_submit.go).
	NoWait bool
	// TestEvent, when set (test builds), records reached points for
	// end-to-end tests to wait on ("step-submitted model.m v1 JOBID").
	TestEvent func(event string)

	// Locking, when set, makes Store open every store under a shared
	// store lock, held until Close (storeroots.go): set by commands that
	// write objects they will reference, so gc in another workspace
	// sharing the store cannot collect them before their root is written.
	Locking *StoreLocking
	// NoCreateStores (plan) opens a store that does not exist yet without
	// creating it: it reads as empty and refuses writes
	// (storage.Options.NoCreate).
	NoCreateStores bool

	mu     sync.Mutex
	stores map[string]*storage.Store
	// unlocked are stores opened before LockStores, closed by Close.
	unlocked []*storage.Store

	claimMu sync.Mutex
	claims  map[string]bool // claims.go
}

// DatasetSpec is a declared dataset as the planner needs it.
type DatasetSpec struct {
	Name   string
	Source string
	// SourceSensitive: Source derives from a sensitive variable; it is
	// shown and recorded only as Display, and Secrets are hidden from
	// errors about it.
	SourceSensitive bool
	Display         string // how plans, state and messages name the source
	SourceAt        string // file:line:col of the source argument
	Secrets         []string
	Include         []string
	Exclude         []string
	Storage         string
	StatsColumns    []string
}

// NewWorkspace builds the workspace of cfg rooted at baseDir.
func NewWorkspace(cfg *config.Config, baseDir string, now time.Time) (*Workspace, error) {
	ws := &Workspace{
		BaseDir:  baseDir,
		Now:      now,
		Config:   cfg,
		CacheDir: filepath.Join(baseDir, DefaultCacheDir),
		Workers:  runtime.NumCPU(),
		stores:   map[string]*storage.Store{},
	}
	if err := ws.fromConfig(cfg); err != nil {
		return nil, err
	}
	return ws, nil
}

// Store opens (once) the storage block called name.
func (ws *Workspace) Store(ctx context.Context, name string) (*storage.Store, error) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	if ws.stores == nil {
		ws.stores = map[string]*storage.Store{}
	}
	if s := ws.stores[name]; s != nil {
		return s, nil
	}
	url, ok := ws.StoreURLs[name]
	if !ok {
		return nil, fmt.Errorf("storage %q is not declared", name)
	}
	opts := storage.Options{BaseDir: ws.BaseDir, Workers: ws.Workers, Repair: ws.Repair, NoCreate: ws.NoCreateStores, OffHeap: ws.OffHeap}
	if ws.Locking != nil {
		opts.SharedLock = &storage.LockOptions{Command: ws.Locking.Command, Timeout: ws.Locking.Timeout}
	}
	s, err := storage.Open(ctx, url, opts)
	if err != nil {
		if !ws.Repair && errors.Is(err, storage.ErrIndexDamaged) {
			return nil, fmt.Errorf("storage %q: %w\nTo repair it: mlform gc -rebuild-index (rebuilds the index from the packs), then mlform gc -check -read-data", name, err)
		}
		return nil, HideSecrets(fmt.Errorf("storage %q: %w", name, err), ws.StoreSecrets[name])
	}
	ws.stores[name] = s
	return s, nil
}

// LockStores makes every store opened from now on take the shared store
// lock l describes, as Locking set from the start does, for a command
// that learns only midway that it will write objects (reproduce on a
// batch executor stores its job's spec). A store already opened without
// the lock is opened again under it when next asked for: the lock must be
// taken before the store's index is read, or a chunk found in it may be
// collected by a gc elsewhere. The one opened before stays usable for
// reading by whoever holds it, and is closed by Close. With Locking
// already set it does nothing.
func (ws *Workspace) LockStores(l StoreLocking) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	if ws.Locking != nil {
		return
	}
	ws.Locking = &l
	for name, s := range ws.stores {
		ws.unlocked = append(ws.unlocked, s)
		delete(ws.stores, name)
	}
}

// StoreNames lists the declared storage blocks, sorted.
func (ws *Workspace) StoreNames() []string {
	return slices.Sorted(maps.Keys(ws.StoreURLs))
}

// Close closes every store opened.
func (ws *Workspace) Close() error {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	var errs []error
	for name, s := range ws.stores {
		if err := s.Close(); err != nil {
			errs = append(errs, fmt.Errorf("storage %q: %w", name, err))
		}
	}
	ws.stores = map[string]*storage.Store{}
	for _, s := range ws.unlocked {
		if err := s.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	ws.unlocked = nil
	return errors.Join(errs...)
}

// OwnDirs lists the local directories mlform itself writes in this
// workspace: .mlform and any local state backend or store. Dataset
// observation never snapshots them, so a dataset whose source contains the
// workspace still settles.
func (ws *Workspace) OwnDirs() []string {
	dirs := []string{filepath.Join(ws.BaseDir, ".mlform")}
	urls := make([]string, 0, len(ws.StoreURLs)+1)
	if ws.Config != nil {
		urls = append(urls, ws.Config.Backend.URL)
	}
	for _, u := range ws.StoreURLs {
		urls = append(urls, u)
	}
	for _, u := range urls {
		if d, ok := blob.LocalPath(u, ws.BaseDir); ok && u != "" {
			dirs = append(dirs, d)
		}
	}
	return dirs
}
