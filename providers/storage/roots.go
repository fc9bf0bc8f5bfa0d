package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/mlform/mlform/internal/storekeys"
	"github.com/mlform/mlform/internal/termtext"
	"github.com/mlform/mlform/providers/storage/storedoc"
)

// A root is what one workspace (one state lineage) tells the store it
// references: every manifest and object id its recorded state names in this
// store. Roots live in the store itself, one object per lineage under
// roots/<lineage>, so that gc run from any workspace sharing the store can
// keep what every other workspace still uses without reading their states
// (which may sit in backends it cannot reach). This is restic's design: the
// repository, not each client, knows what is alive. docs/store-format.md
// gives the format and the write order; storedoc encodes and checks it.

// rootPrefix is where roots live.
const rootPrefix = storekeys.Roots

// Root is one workspace's record in a store (storedoc.Root).
type Root = storedoc.Root

func rootKey(lineage string) string { return rootPrefix + lineage }

// PutRoot writes (replaces) the root named r.Lineage (a remote step's
// result root). Every id must be a valid id; whether it exists is not
// checked here (gc checks). A workspace writes its root with
// PutWorkspaceRoot.
func (s *Store) PutRoot(ctx context.Context, r *Root) error {
	return s.putRoot(ctx, r.Lineage, r)
}

// PutWorkspaceRoot writes (replaces) the root of the workspace whose state
// has lineage r.Lineage and lives at r.Backend, for its storage block
// named store, named storedoc.WorkspaceRootName: two states of one lineage
// (a copied workspace, a state pushed to a second backend), or two blocks
// of one workspace naming this store, never overwrite each other's root.
// It returns the name written. Once the roots of all its blocks are
// written, the caller removes the root an older mlform wrote under the
// lineage alone (ForgetLegacyRoot).
//
// A root written from a newer state of the workspace (RootAhead) is not
// replaced: the first time a Store writes a name it reads the root there,
// later it compares with what it wrote.
func (s *Store) PutWorkspaceRoot(ctx context.Context, r *Root, store string) (string, error) {
	name := storedoc.WorkspaceRootName(r.Lineage, r.Backend, store)
	s.rootsMu.Lock()
	last, written := s.rootsWritten[name]
	s.rootsMu.Unlock()
	if written {
		// This Store wrote it last: no need to read it back.
		if err := RootAhead(name, last, r.Serial); err != nil {
			return "", err
		}
	} else if old, err := s.readRoot(ctx, rootKey(name), name); err == nil {
		if err := RootAhead(name, old, r.Serial); err != nil {
			return "", err
		}
	}
	if err := s.putRoot(ctx, name, r); err != nil {
		return "", err
	}
	s.rootsMu.Lock()
	if s.rootsWritten == nil {
		s.rootsWritten = map[string]*Root{}
	}
	s.rootsWritten[name] = &Root{Lineage: r.Lineage, Backend: r.Backend, Host: r.Host, Written: r.Written, Serial: r.Serial}
	s.rootsMu.Unlock()
	return name, nil
}

// RootAheadError is the refusal to replace a workspace's root with one
// describing an older state of that workspace: a state.json restored from
// a backup by hand, or an older version of the state object brought back
// in a bucket. The root then names what the newer state recorded, and
// narrowing it to the older state would let gc delete versions nobody
// chose to forget.
type RootAheadError struct {
	// Name is the root's name, Stored the root in the store.
	Name   string
	Stored *Root
	// Serial is the serial of the state the refused write describes.
	Serial uint64
}

func (e *RootAheadError) Error() string {
	return fmt.Sprintf("this workspace's root %s was written from its state at serial %d (%s, host %s), but the state now has serial %d: "+
		"the state was replaced by an older copy (a backup restored by hand?), and going on would let gc delete what the newer state recorded. "+
		"Put the newest state back (your own copy, or your bucket's object versions, may hold it); or, to go back to this state on purpose, "+
		"push it with `mlform state push -force FILE` (`mlform state pull > FILE` writes it), after which gc collects what only the newer state recorded",
		e.Name, e.Stored.Serial, e.Stored.Written.UTC().Format("2006-01-02 15:04 UTC"), termtext.Printable(e.Stored.Host), e.Serial)
}

// RootAhead returns a *RootAheadError when stored, the root called name,
// was written from a state of the workspace newer than the one at serial.
// A root is written from a state only once that state is recorded; the
// guard root written before a state write carries the serial of the
// state it replaces (docs/store-format.md, "Write order"), so a run
// killed between the two leaves no root ahead. Even one write ahead is a
// state put back: state.json.backup copied over state.json is exactly
// that, and gc would delete what the last write recorded.
func RootAhead(name string, stored *Root, serial uint64) error {
	if stored.Serial > serial {
		return &RootAheadError{Name: name, Stored: stored, Serial: serial}
	}
	return nil
}

// ForgetLegacyRoot removes roots/<lineage>, the root an mlform before
// workspace root names wrote, when it names backend: the workspace roots
// of that lineage and backend (PutWorkspaceRoot, one per storage block)
// replace it. One naming another backend is left alone: it is another
// copy's, and keeps protecting what it names.
func (s *Store) ForgetLegacyRoot(ctx context.Context, lineage, backend string) error {
	old, err := s.readRoot(ctx, rootKey(lineage), lineage)
	if err != nil || old.Backend != backend {
		// None, or not provably ours (a damaged one stops gc until it is
		// forgotten by hand): it keeps protecting what it names.
		return nil
	}
	if err := s.deleteKey(ctx, rootKey(lineage)); err != nil {
		return fmt.Errorf("remove the old root of workspace %s: %w", lineage, err)
	}
	return nil
}

// ForgetRootOf removes the root called name when it was written for
// backend from host: a root this workspace wrote under a name it no longer
// uses (a local backend's root before its name included the host). One
// written for another backend or from another host, or that cannot be
// read, is left alone: it keeps protecting what it names.
func (s *Store) ForgetRootOf(ctx context.Context, name, backend, host string) error {
	if !storedoc.ValidLineage(name) {
		return fmt.Errorf("root name %q is not valid (letters, digits and dashes, 1 to 64 of them)", termtext.Truncate(name, 80))
	}
	old, err := s.readRoot(ctx, rootKey(name), name)
	if err != nil || old.Backend != backend || old.Host != host {
		return nil
	}
	if err := s.deleteKey(ctx, rootKey(name)); err != nil {
		return fmt.Errorf("remove the old root %s: %w", name, err)
	}
	return nil
}

func (s *Store) putRoot(ctx context.Context, name string, r *Root) error {
	if !storedoc.ValidLineage(name) {
		return fmt.Errorf("root name %q is not valid (letters, digits and dashes, 1 to 64 of them)", termtext.Truncate(name, 80))
	}
	b, err := storedoc.EncodeRoot(r)
	if err != nil {
		return err
	}
	// A root makes live what it names. A writer's store lock is what kept
	// gc from collecting, before now, the packs it uploaded and the
	// chunks it found in the index: a lost lock means they may be gone,
	// and a root naming them would record data that no longer exists.
	if err := s.CheckLocks(ctx); err != nil {
		return fmt.Errorf("write root of workspace %s: %w", r.Lineage, err)
	}
	if err := s.o.Put(ctx, rootKey(name), bytes.NewReader(b), false); err != nil {
		return fmt.Errorf("write root of workspace %s: %w", r.Lineage, err)
	}
	return nil
}

// GetRoot reads the root named lineage (a remote step's result root, or a
// root of an older mlform); the error wraps ErrNotFound when the store has
// none.
func (s *Store) GetRoot(ctx context.Context, lineage string) (*Root, error) {
	if !storedoc.ValidLineage(lineage) {
		return nil, fmt.Errorf("workspace lineage %q is not valid (letters, digits and dashes, 1 to 64 of them)", termtext.Truncate(lineage, 80))
	}
	return s.readRoot(ctx, rootKey(lineage), lineage)
}

// readRoot reads the root at key, whose name must be its lineage or start
// with it (a workspace root name, storedoc.WorkspaceRootName).
func (s *Store) readRoot(ctx context.Context, key, name string) (*Root, error) {
	b, err := s.getBounded(ctx, key, storedoc.MaxRootSize)
	if err != nil {
		return nil, fmt.Errorf("root of workspace %s: %w", name, err)
	}
	r, err := storedoc.DecodeRoot(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	if r.Lineage != name && !strings.HasPrefix(name, r.Lineage+"-") {
		return nil, fmt.Errorf("%s: names lineage %s, not the one of its key", key, r.Lineage)
	}
	return r, nil
}

// RootEntry is one object under roots/: its decoded root, or why it could
// not be decoded.
type RootEntry struct {
	Key string
	// Name is the key after roots/ ("" when it is not a valid name): what
	// ForgetRoot and gc -forget-workspace take.
	Name string
	// Lineage is the root's lineage: Root.Lineage, or Name when the root
	// cannot be decoded.
	Lineage string
	Root    *Root // nil when Err is set
	Err     error
}

// Roots lists every root in the store, sorted by lineage. A root that
// cannot be read or decoded is returned with its Err set, not skipped: gc
// must refuse to run past it, and gc -workspaces must show it.
func (s *Store) Roots(ctx context.Context) ([]RootEntry, error) {
	keys, err := s.listKeys(ctx, rootPrefix)
	if err != nil {
		return nil, fmt.Errorf("list roots: %w", err)
	}
	out := make([]RootEntry, 0, len(keys))
	for _, key := range keys {
		lineage := strings.TrimPrefix(key, rootPrefix)
		if !storedoc.ValidLineage(lineage) {
			// No mlform writes such a key (rootKey takes a valid
			// lineage): it is another's object under the store's place
			// (a workspace whose state is at BUCKET/roots/ beside a
			// store at BUCKET/), left alone like any foreign key.
			continue
		}
		e := RootEntry{Key: key}
		e.Name, e.Lineage = lineage, lineage
		e.Root, e.Err = s.readRoot(ctx, key, lineage)
		if e.Root != nil {
			e.Lineage = e.Root.Lineage
		}
		if e.Err != nil && errors.Is(e.Err, ErrNotFound) {
			continue // removed since listed
		}
		if e.Err != nil && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		out = append(out, e)
	}
	return out, nil
}

// ForgetRoot deletes the root named lineage (a RootEntry's Name), so gc
// stops protecting what only that root referenced. The error wraps
// ErrNotFound when there is none.
func (s *Store) ForgetRoot(ctx context.Context, lineage string) error {
	if !storedoc.ValidLineage(lineage) {
		return fmt.Errorf("workspace lineage %q is not valid (letters, digits and dashes, 1 to 64 of them)", termtext.Truncate(lineage, 80))
	}
	key := rootKey(lineage)
	if _, err := s.o.Size(ctx, key); err != nil {
		return fmt.Errorf("forget workspace %s: %w", lineage, err)
	}
	if err := s.o.Delete(ctx, key); err != nil {
		return fmt.Errorf("forget workspace %s: %w", lineage, err)
	}
	return nil
}
