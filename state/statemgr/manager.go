package statemgr

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"

	"gocloud.dev/blob"

	"github.com/mlform/mlform/internal/textfmt"
	mblob "github.com/mlform/mlform/providers/blob"
	"github.com/mlform/mlform/state"
	"github.com/mlform/mlform/state/statejournal"
)

// Manager reads, writes and locks one workspace's state in a backend named
// by a blob URL. Methods are safe for concurrent use.
type Manager struct {
	b backend
	// mu serialises this process's writes; the lock object serialises
	// processes.
	mu sync.Mutex
	// version is the mlform version stamped on written documents.
	version string
	// held is the id of the lock this Manager holds ("" for none), under
	// mu: writes check it is still theirs.
	held string
	// last summarises the document this Manager last wrote, under mu.
	last *summary
	// hostname names this machine in RootBackend; nil: os.Hostname
	// (tests pretend to be other machines).
	hostname func() (string, error)
}

// SetMLFormVersion sets the version recorded as mlform_version in every
// document this Manager writes (the state package does not know it).
func (m *Manager) SetMLFormVersion(v string) { m.version = v }

// ErrNoState is returned by ReadRaw and ReadStored when the backend holds
// no state yet.
var ErrNoState = errors.New("no state has been written yet")

// OpenManager opens the state backend at url: a file:// URL or a bare path
// (relative ones resolve against baseDir) is a local directory; any other
// URL is a gocloud.dev bucket (s3://, gs://, azblob://, mem://; a "prefix"
// query parameter puts the objects under that prefix).
func OpenManager(ctx context.Context, url, baseDir string) (*Manager, error) {
	if dir, ok := mblob.LocalPath(url, baseDir); ok {
		b, err := newLocalBackend(dir)
		if err != nil {
			return nil, fmt.Errorf("open state backend %s: %w", dir, err)
		}
		return &Manager{b: b}, nil
	}
	bucket, err := mblob.Open(ctx, url, baseDir)
	if err != nil {
		return nil, fmt.Errorf("open state backend: %w", err)
	}
	return &Manager{b: &bucketBackend{bucket: bucket, url: url, owned: true}}, nil
}

// NewBucketManager returns a Manager over an already open bucket, which it
// does not close. url is only used, redacted, in messages. It lets several
// managers share one in-memory bucket (each mem:// URL opens a new one).
func NewBucketManager(bucket *blob.Bucket, url string) *Manager {
	return &Manager{b: &bucketBackend{bucket: bucket, url: url}}
}

// Close releases the backend.
func (m *Manager) Close() error { return m.b.close() }

// Location is where the state document lives, safe to print.
func (m *Manager) Location() string { return m.b.location(ObjectState) }

// BackupLocation is where the previous state document is kept.
func (m *Manager) BackupLocation() string { return m.b.location(ObjectBackup) }

// Read returns the stored state, or a new empty State with a fresh lineage
// when none exists. A damaged or future-format document is refused with a
// *StateError that says how to recover.
func (m *Manager) Read(ctx context.Context) (*state.State, error) {
	s, err := m.ReadStored(ctx)
	if errors.Is(err, ErrNoState) {
		return state.New(), nil
	}
	return s, err
}

// ReadStored is Read without the empty State: ErrNoState when the backend
// holds no state yet, for the commands that print the recorded document
// and must not show a lineage no state has (show -json).
func (m *Manager) ReadStored(ctx context.Context) (*state.State, error) {
	sd, err := m.getStored(ctx)
	if errors.Is(err, errNotExist) {
		return nil, ErrNoState
	}
	if err != nil {
		return nil, err
	}
	s, err := state.Decode(sd.doc)
	if err != nil {
		return nil, m.damaged(ctx, err)
	}
	return s, nil
}

// ReadRaw returns the stored state document exactly as stored, after
// checking that it decodes; ErrNoState when there is none.
func (m *Manager) ReadRaw(ctx context.Context) ([]byte, error) {
	sd, err := m.getStored(ctx)
	if errors.Is(err, errNotExist) {
		return nil, ErrNoState
	}
	if err != nil {
		return nil, err
	}
	if sd.journaled == 0 {
		// A replayed document was decoded and re-encoded already.
		if _, err := state.Decode(sd.doc); err != nil {
			return nil, m.damaged(ctx, err)
		}
	}
	return sd.doc, nil
}

// ReadSalvaged returns, for a state whose journal is damaged, state.json
// with the journal's changes before the damage replayed (the document
// StateError.Salvage describes), canonically encoded. It is an error when
// the state is intact or state.json itself is damaged (restore the backup
// then).
func (m *Manager) ReadSalvaged(ctx context.Context) ([]byte, error) {
	sd, err := m.getStored(ctx)
	if errors.Is(err, errNotExist) {
		return nil, ErrNoState
	}
	var se *StateError
	if err == nil || !errors.As(err, &se) || se.Salvage == nil {
		if err == nil {
			return nil, errors.New("nothing to salvage: the state and its journal are intact (state pull prints it)")
		}
		return nil, err
	}
	base, err := state.Decode(sd.base)
	if err != nil {
		return nil, m.damaged(ctx, err)
	}
	journal, err := m.b.get(ctx, ObjectJournal)
	if err != nil {
		return nil, fmt.Errorf("read state journal: %w", err)
	}
	doc, _ := statejournal.Salvage(sd.base, base, journal)
	return doc, nil
}

// ReadBackupRaw returns the backup document (the state before the last
// change) after checking that it decodes.
func (m *Manager) ReadBackupRaw(ctx context.Context) ([]byte, error) {
	raw, err := m.b.get(ctx, ObjectBackup)
	if errors.Is(err, errNotExist) {
		return nil, fmt.Errorf("no backup at %s: the state has not changed since it was first written", m.BackupLocation())
	}
	if err != nil {
		return nil, fmt.Errorf("read state backup: %w", err)
	}
	if _, err := state.Decode(raw); err != nil {
		return nil, fmt.Errorf("backup %s: %w", m.BackupLocation(), err)
	}
	return raw, nil
}

// Write stores s atomically, keeping the document it replaces as the
// backup. s must be the state Read returned (same lineage and serial),
// possibly modified: if another writer stored a newer serial meanwhile the
// write is refused. When the content differs from what is stored, Serial is
// bumped; when it does not, nothing is written. On success s.Serial and
// s.Checksum describe the stored document.
func (m *Manager) Write(ctx context.Context, s *state.State) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, err := m.writeLocked(ctx, s, false)
	return err
}

// writeLocked is Write, called with mu held. It returns the document
// stored afterwards (whole: a journal it found is folded in). ownJournal
// says the journal found is the caller's own (a JournalWriter folding
// what it journaled): the backup is then the document state.json held,
// the base that journal extended. Otherwise the backup is the document in
// effect, journal included, so restoring it undoes only this write (a
// journal left by a killed apply is in it).
func (m *Manager) writeLocked(ctx context.Context, s *state.State, ownJournal bool) ([]byte, error) {
	if err := m.checkHeld(ctx); err != nil {
		return nil, err
	}
	sd, cur, err := m.storedSummary(ctx)
	if err != nil {
		return nil, err
	}
	key, err := contentKey(s)
	if err != nil {
		return nil, fmt.Errorf("write state: %w", err)
	}
	var prevRaw []byte
	if cur == nil {
		if err := m.refuseOrphanBackup(ctx); err != nil {
			return nil, err
		}
	}
	if cur != nil {
		switch {
		case cur.lineage != s.Lineage:
			return nil, fmt.Errorf("write state: lineage %s does not match the stored state's %s: refusing to overwrite another workspace's state", s.Lineage, cur.lineage)
		case cur.serial != s.Serial:
			return nil, fmt.Errorf("write state: it changed since it was read (read serial %d, stored serial %d); another mlform ran without the lock? Re-run the command", s.Serial, cur.serial)
		case bytes.Equal(cur.key, key) && sd.journaled == 0:
			s.Normalize()
			s.Checksum = cur.checksum
			return sd.doc, nil
		}
		prevRaw = sd.doc
		if ownJournal {
			prevRaw = sd.base
		}
	}
	// The next serial follows the stored one (equal to s.Serial when one
	// exists); 2^64-1 has no successor. Folding a journal in without a
	// change keeps its serial: the content is the one recorded.
	serial, err := nextSerial(s.Serial, 1)
	if cur != nil && bytes.Equal(cur.key, key) {
		serial, err = s.Serial, nil
	}
	if err != nil {
		return nil, err
	}
	data, err := m.store(ctx, s, serial, prevRaw)
	if err != nil {
		return nil, err
	}
	m.last = &summary{raw: data, lineage: s.Lineage, serial: s.Serial, checksum: s.Checksum, key: key}
	return data, nil
}

// refuseOrphanBackup refuses to start a new state where the state
// document is gone but its backup is not. mlform never leaves a backup
// without its document (the first write keeps none), so the document was
// deleted; a new state there would replace that backup, the only record
// of the workspace's history, on its second write. state push (restoring
// it) is not refused.
func (m *Manager) refuseOrphanBackup(ctx context.Context) error {
	_, err := m.b.stat(ctx, ObjectBackup)
	switch {
	case errors.Is(err, errNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("write state: %w", err)
	}
	return fmt.Errorf("write state: there is no state at %s, but its backup %s is there (was the state deleted?): a new state would replace that backup, the only record left, so nothing was written. To restore it:\n  mlform state pull -backup > restored.json\n  mlform state push -force restored.json\nTo start a new state here instead, move the backup away first", m.Location(), m.BackupLocation())
}

// summary is what Write needs of a stored document. The Manager keeps the
// one it last wrote, so a run writing after every action does not decode
// its own document again each time.
type summary struct {
	raw      []byte
	lineage  string
	serial   uint64
	checksum string
	key      []byte // contentKey
}

// contentKey is the canonical encoding of what s records, without the
// fields that describe the document itself (serial, checksum, the writing
// mlform's version). Two states with equal keys record the same world.
func contentKey(s *state.State) ([]byte, error) {
	c := *s
	c.Serial, c.Checksum, c.MLFormVersion = 0, "", ""
	c.Normalize()
	return textfmt.Marshal(&c)
}

// storedSummary reads the stored document and summarises it (from the
// cache when it is exactly what this Manager last wrote); both results are
// nil when none exists. A damaged document is an error.
func (m *Manager) storedSummary(ctx context.Context) (*storedDoc, *summary, error) {
	sd, err := m.getStored(ctx)
	if errors.Is(err, errNotExist) {
		return &storedDoc{}, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	if m.last != nil && sd.journaled == 0 && bytes.Equal(sd.doc, m.last.raw) {
		return sd, m.last, nil
	}
	cur, err := state.Decode(sd.doc)
	if err != nil {
		return nil, nil, m.damaged(ctx, err)
	}
	key, err := contentKey(cur)
	if err != nil {
		return nil, nil, fmt.Errorf("read state: %w", err)
	}
	return sd, &summary{raw: sd.doc, lineage: cur.Lineage, serial: cur.Serial, checksum: cur.Checksum, key: key}, nil
}

// store encodes s with the given serial, saves prevRaw (when not nil) as
// the backup, then the new document, and returns the document. On failure
// s is left as it was.
func (m *Manager) store(ctx context.Context, s *state.State, serial uint64, prevRaw []byte) ([]byte, error) {
	oldSerial, oldSum, oldVersion := s.Serial, s.Checksum, s.MLFormVersion
	s.Serial = serial
	if m.version != "" {
		s.MLFormVersion = m.version
	}
	data, err := state.Encode(s)
	if err == nil && prevRaw != nil {
		err = m.b.put(ctx, ObjectBackup, prevRaw)
	}
	if err == nil {
		err = m.b.put(ctx, ObjectState, data)
	}
	if err != nil {
		s.Serial, s.Checksum, s.MLFormVersion = oldSerial, oldSum, oldVersion
		return nil, fmt.Errorf("write state %s: %w", m.Location(), err)
	}
	// The document now holds everything a journal recorded, and the
	// journal names the old document as its base, so readers ignore it
	// even when this removal fails.
	if err := m.b.remove(ctx, ObjectJournal); err != nil && !errors.Is(err, errNotExist) {
		_ = err // stale: ignored by readers, replaced by the next journal
	}
	return data, nil
}

// current reads and decodes the stored document; both are nil when none
// exists. A damaged document is an error: nothing may replace it silently.
// The bytes returned are the document in effect (state.json with its
// journal replayed): what a push replaces, so what its backup must keep.
func (m *Manager) current(ctx context.Context) ([]byte, *state.State, error) {
	sd, err := m.getStored(ctx)
	if errors.Is(err, errNotExist) {
		return nil, nil, nil
	}
	var se *StateError
	if errors.As(err, &se) {
		return sd.base, nil, err
	}
	if err != nil {
		return nil, nil, err
	}
	s, err := state.Decode(sd.doc)
	if err != nil {
		return sd.doc, nil, m.damaged(ctx, err)
	}
	return sd.doc, s, nil
}

// storedDoc is what a backend holds: state.json as stored (base) and the
// document in effect (doc): base, or base with the journal's changes
// replayed (journaled of them).
type storedDoc struct {
	base, doc []byte
	journaled int
}

// getStored reads state.json and, when there is one, the journal, and
// returns the document in effect; errNotExist when there is no state. A
// journal that cannot be replayed is a *StateError, returned with the
// stored document so a forced push can keep it.
func (m *Manager) getStored(ctx context.Context) (*storedDoc, error) {
	raw, err := m.b.get(ctx, ObjectState)
	if errors.Is(err, errNotExist) {
		return nil, errNotExist
	}
	if err != nil {
		return nil, fmt.Errorf("read state: %w", err)
	}
	sd := &storedDoc{base: raw, doc: raw}
	journal, err := m.b.get(ctx, ObjectJournal)
	if errors.Is(err, errNotExist) {
		return sd, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read state journal: %w", err)
	}
	base, err := state.Decode(raw)
	if err != nil {
		return sd, m.damaged(ctx, err)
	}
	doc, n, err := statejournal.Replay(raw, base, journal)
	if err != nil {
		se := m.damaged(ctx, err)
		var de *state.DecodeError
		if !errors.As(err, &de) || de.Problem != state.ProblemFuture {
			_, k := statejournal.Salvage(raw, base, journal)
			se.Salvage = &Salvage{BaseSerial: base.Serial, Changes: k, Serial: base.Serial + uint64(k)}
		}
		return sd, se
	}
	sd.doc, sd.journaled = doc, n
	return sd, nil
}

// checkHeld refuses a write by a Manager whose lock was taken away (force-
// unlocked by someone else, maybe taken by another run): writing now could
// overwrite that run's changes. A Manager that holds no lock (-lock=false)
// is not checked. Called with mu held.
func (m *Manager) checkHeld(ctx context.Context) error {
	if m.held == "" {
		return nil
	}
	raw, err := m.b.get(ctx, ObjectLock)
	if errors.Is(err, errNotExist) {
		return fmt.Errorf("write state: this run's lock %s was released by someone else (force-unlock?); refusing to write so another run's changes are not overwritten", m.held)
	}
	if err != nil {
		return fmt.Errorf("write state: check the lock: %w", err)
	}
	if holder, id, _ := lockIDOf(raw); id != m.held {
		return fmt.Errorf("write state: this run's lock %s was force-unlocked and %s now holds lock %s; refusing to write over its changes", m.held, cmp.Or(holder.Who, "-"), id)
	}
	return nil
}

// Update reads the state, applies fn and writes the result (nothing is
// written when fn fails or changes nothing). Callers hold the lock.
func (m *Manager) Update(ctx context.Context, fn func(*state.State) error) (*state.State, error) {
	s, err := m.Read(ctx)
	if err != nil {
		return nil, err
	}
	if err := fn(s); err != nil {
		return nil, err
	}
	if err := m.Write(ctx, s); err != nil {
		return nil, err
	}
	return s, nil
}

// RootBackend names where the state lives for the store roots
// (docs/store-format.md, "Roots"): Location for a bucket. A local path
// names a place on one machine only: a workspace copied with its local
// state to the same path on another machine has the same lineage and
// path, and must not share (and overwrite) its root. So a local backend is
// named file://HOST/PATH, HOST being this machine's host name; Location
// when the host name is unknown.
func (m *Manager) RootBackend() string {
	if _, ok := m.b.(*localBackend); ok {
		hostname := m.hostname
		if hostname == nil {
			hostname = os.Hostname
		}
		if host, err := hostname(); err == nil && host != "" {
			return LocalRootBackend(host, m.Location())
		}
	}
	return m.Location()
}

// LocalRootBackend is RootBackend of the local state file path on host.
func LocalRootBackend(host, path string) string {
	return (&url.URL{Scheme: "file", Host: host, Path: filepath.ToSlash(path)}).String()
}

// SplitLocalRootBackend returns the host and path LocalRootBackend built
// backend from; ok is false for any other backend name.
func SplitLocalRootBackend(backend string) (host, path string, ok bool) {
	u, err := url.Parse(backend)
	if err != nil || u.Scheme != "file" || u.Host == "" || u.Path == "" || LocalRootBackend(u.Host, filepath.FromSlash(u.Path)) != backend {
		return "", "", false
	}
	return u.Host, filepath.FromSlash(u.Path), true
}
