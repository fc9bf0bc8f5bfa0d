package report

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/mlform/mlform/providers/storage"
	"github.com/mlform/mlform/providers/storage/manifest"
)

// Store is what the report reads from a store: column profiles (objects)
// and artifacts manifests with their files. *storage.Store implements it.
type Store interface {
	GetObject(ctx context.Context, id string) ([]byte, error)
	GetManifest(ctx context.Context, id string) (*manifest.Manifest, error)
	OpenFile(ctx context.Context, f manifest.File) (io.ReadCloser, error)
}

// StoreOpener opens the store named by a storage block ("default", ...).
type StoreOpener interface {
	Open(ctx context.Context, name string) (Store, error)
}

// errNoStore: a StoreSet has no URL for the store name a record names.
var errNoStore = errors.New("no storage block with this name in the configuration")

// StoreSet opens stores by name from their URLs, each once, and closes
// them all with Close. The report only reads: it never flushes or writes.
type StoreSet struct {
	urls    map[string]string
	baseDir string
	open    map[string]*storage.Store
	failed  map[string]error
}

// NewStoreSet returns a lazy set over urls (storage block name -> URL);
// relative file:// URLs resolve against baseDir.
func NewStoreSet(urls map[string]string, baseDir string) *StoreSet {
	return &StoreSet{urls: urls, baseDir: baseDir, open: map[string]*storage.Store{}, failed: map[string]error{}}
}

// Open returns the named store, opening it on first use; a store that
// failed to open fails the same way again without a second attempt.
func (s *StoreSet) Open(ctx context.Context, name string) (Store, error) {
	if st, ok := s.open[name]; ok {
		return st, nil
	}
	if err, ok := s.failed[name]; ok {
		return nil, err
	}
	url, ok := s.urls[name]
	if !ok {
		err := fmt.Errorf("store %q: %w", name, errNoStore)
		s.failed[name] = err
		return nil, err
	}
	// NoCreate: a store the state names that is gone (deleted by hand, a
	// mistyped url) reads as empty, and the report's warnings say what is
	// missing from it; opening it for writing would create it, an empty
	// store's directory and config object, from a command that only reads.
	st, err := storage.Open(ctx, url, storage.Options{BaseDir: s.baseDir, IndexEvery: -1, NoCreate: true})
	if err != nil {
		err = fmt.Errorf("store %q: %w", name, err)
		s.failed[name] = err
		return nil, err
	}
	s.open[name] = st
	return st, nil
}

// Close closes every store opened.
func (s *StoreSet) Close() error {
	var errs []error
	for _, st := range s.open {
		errs = append(errs, st.Close())
	}
	s.open = map[string]*storage.Store{}
	return errors.Join(errs...)
}
