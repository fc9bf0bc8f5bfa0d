package statemgr

import (
	"context"
	"errors"
	"fmt"

	"github.com/mlform/mlform/state"
	"github.com/mlform/mlform/state/statejournal"
)

// JournalWriter persists the many small changes of one long run (apply
// records every action as soon as it is durable) to one State. Its first
// write stores the document whole, like Manager.Write; every later write
// appends to the journal (ObjectJournal) only the top-level entries that
// changed, so recording an action costs what the action changed, not the
// size of the state. Once the journal outgrows the document (or 4 MiB on
// an object store, where the journal is rewritten whole) the next write
// stores the document whole again and starts over: the cost per change
// stays constant on average. Close folds the journal into the document.
//
// Every write has Write's guarantees: it is durable when it returns, a
// crash at any moment leaves the state before or after it (readers replay
// the journal; a line cut short by a crash is ignored), it refuses to
// write once the run's lock was taken away, and it refuses when another
// writer changed the state since (checked by the objects' size, time and
// identity, without reading them back).
type JournalWriter struct {
	m *Manager
	// s is the state being journaled; a write of another *State stores it
	// whole.
	s       *state.State
	tracker *entryTracker
	// open: a journal for the current document is stored (or is to be
	// created by the next append).
	open bool
	// baseToken, journalToken: the stat tokens of the objects as this
	// writer left them; baseSize and journalSize their sizes.
	baseToken, journalToken string
	baseSize, journalSize   int
	journalBuf              []byte // whole journal, for backends without append
	// verify checks announced changes against a full comparison
	// (journal_hint.go).
	verify bool
	// appendErr is why an append failed and could not be undone: the
	// journal may end in part of a line, and this writer appends no more.
	appendErr error
}

// journalBucketLimit bounds a journal that is rewritten whole on every
// change (object stores have no append).
const journalBucketLimit = 4 << 20

// journalMinLimit is the journal size below which a small document is not
// rewritten whole.
const journalMinLimit = 64 << 10

// appender is a backend that can append durably (local disk). When an
// append fails it undoes what it wrote if it can, and then returns the
// object's token as it is after the undo with the error ("" otherwise).
type appender interface {
	appendSync(ctx context.Context, name string, data []byte) (string, error)
}

// JournalWriter returns a writer that journals changes to one State
// through m. Callers hold the lock, and call Close when the run ends.
func (m *Manager) JournalWriter() *JournalWriter {
	return &JournalWriter{m: m, verify: verifyAnnouncements}
}

// Location is where the state document lives, safe to print.
func (j *JournalWriter) Location() string { return j.m.Location() }

// RootBackend is the Manager's RootBackend.
func (j *JournalWriter) RootBackend() string { return j.m.RootBackend() }

// Write records s: whole on the first call (and whenever the journal has
// grown too large), else as a journal line holding what changed since the
// last write. On success s.Serial is the recorded serial.
func (j *JournalWriter) Write(ctx context.Context, s *state.State) error {
	j.m.mu.Lock()
	defer j.m.mu.Unlock()
	if j.s != s || j.tracker == nil {
		return j.writeWhole(ctx, s)
	}
	err := j.m.checkHeld(ctx)
	if err != nil {
		return err
	}
	if err := j.checkUnchanged(ctx); err != nil {
		return err
	}
	var e *statejournal.Entry
	var commit func()
	announced := false
	if keys := changing(ctx); len(keys) > 0 {
		// Normalizing is per entry too: only what the change touched.
		j.tracker.announcedOnly(s, keys).Normalize()
		s.FormatVersion = s.MinFormat()
		e, commit, announced, err = j.tracker.diffAnnounced(s, keys)
		if err != nil {
			return fmt.Errorf("write state: %w", err)
		}
	}
	if !announced {
		s.Normalize()
		if e, commit, err = j.tracker.diff(s); err != nil {
			return fmt.Errorf("write state: %w", err)
		}
	}
	if announced && j.verify {
		// Test builds: an announcement that missed a change is a bug in
		// the runner that made it; the write fails rather than leave the
		// change out of the journal.
		saved := j.tracker.snapshot()
		commit()
		missed := j.tracker.unannounced(s)
		j.tracker.restore(saved)
		if missed != "" {
			return fmt.Errorf("write state: internal error: %s changed, but the change was announced as touching only %v", missed, changing(ctx))
		}
	}
	if e.Empty() {
		return nil // same content: nothing to record, as Write
	}
	// What Write refuses, this refuses: Validate's rules are per entry, so
	// checking the changed entries checks the state.
	if err := j.tracker.changedOnly(s, e).Validate(); err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	serial, err := nextSerial(s.Serial, 1)
	if err != nil {
		return err
	}
	e.Serial, e.MLFormVersion = serial, j.m.version
	line, err := statejournal.Line(e)
	if err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	if j.journalSize+len(line) > j.limit() {
		return j.writeWhole(ctx, s)
	}
	if err := j.appendLine(ctx, s, line); err != nil {
		return fmt.Errorf("write state %s: %w", j.m.b.location(ObjectJournal), err)
	}
	commit()
	s.Serial = serial
	if j.m.version != "" {
		s.MLFormVersion = j.m.version
	}
	// The stored document is no longer what Write last wrote.
	j.m.last = nil
	return nil
}

// limit is the journal size past which the document is rewritten whole.
func (j *JournalWriter) limit() int {
	n := max(j.baseSize, journalMinLimit)
	if _, ok := j.m.b.(appender); !ok {
		n = min(n, journalBucketLimit)
	}
	return n
}

// appendLine stores line after the journal, creating the journal (header
// first, written whole and atomically) when there is none yet.
func (j *JournalWriter) appendLine(ctx context.Context, s *state.State, line []byte) error {
	if !j.open {
		header, err := statejournal.Line(statejournal.Header{Kind: statejournal.Kind, Format: statejournal.Format,
			Lineage: s.Lineage, BaseSerial: s.Serial, BaseChecksum: s.Checksum})
		if err != nil {
			return err
		}
		return j.putJournal(ctx, append(header, line...))
	}
	if a, ok := j.m.b.(appender); ok {
		tok, err := a.appendSync(ctx, ObjectJournal, line)
		if err != nil {
			if tok != "" {
				// Undone: the journal is as this writer left it, and
				// the next write may append again.
				j.journalToken = tok
			} else {
				j.appendErr = err
			}
			return err
		}
		j.journalToken, j.journalSize = tok, j.journalSize+len(line)
		return nil
	}
	return j.putJournal(ctx, append(j.journalBuf[:len(j.journalBuf):len(j.journalBuf)], line...))
}

// putJournal writes data as the whole journal and records what this
// writer left there (kept in memory too where the backend cannot append).
func (j *JournalWriter) putJournal(ctx context.Context, data []byte) error {
	if err := j.m.b.put(ctx, ObjectJournal, data); err != nil {
		return err
	}
	tok, err := j.m.b.stat(ctx, ObjectJournal)
	if err != nil {
		return err
	}
	j.open, j.journalToken, j.journalSize = true, tok, len(data)
	if _, ok := j.m.b.(appender); !ok {
		j.journalBuf = data
	}
	return nil
}

// checkUnchanged refuses to append when state.json or the journal is not
// as this writer left it: another writer (without the lock) changed the
// state, and appending would build on a state this run never read.
func (j *JournalWriter) checkUnchanged(ctx context.Context) error {
	stale := func(what string) error {
		if j.appendErr != nil {
			return fmt.Errorf("write state: this run's earlier journal write failed (%v) and may have left part of a line in %s (readers ignore it); this run records nothing more. Re-run the command once the cause is fixed", j.appendErr, j.m.b.location(ObjectJournal))
		}
		return fmt.Errorf("write state: %s changed since this run wrote it; another mlform ran without the lock? Re-run the command", what)
	}
	tok, err := j.m.b.stat(ctx, ObjectState)
	if err != nil && !errors.Is(err, errNotExist) {
		return fmt.Errorf("write state: %w", err)
	}
	if tok != j.baseToken {
		return stale(j.m.Location())
	}
	tok, err = j.m.b.stat(ctx, ObjectJournal)
	switch {
	case errors.Is(err, errNotExist):
		if j.open {
			return stale(j.m.b.location(ObjectJournal))
		}
	case err != nil:
		return fmt.Errorf("write state: %w", err)
	case !j.open || tok != j.journalToken:
		return stale(j.m.b.location(ObjectJournal))
	}
	return nil
}

// writeWhole stores s whole (Manager.Write, folding in any journal) and
// makes it the base of the next journal. Called with the Manager's mu.
func (j *JournalWriter) writeWhole(ctx context.Context, s *state.State) error {
	doc, err := j.m.writeLocked(ctx, s, j.open)
	if err != nil {
		return err
	}
	tok, err := j.m.b.stat(ctx, ObjectState)
	if err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	if j.tracker == nil {
		j.tracker = newEntryTracker()
	}
	j.tracker.reset(s)
	j.s, j.open, j.journalBuf, j.journalSize, j.journalToken = s, false, nil, 0, ""
	j.baseToken, j.baseSize = tok, len(doc)
	return nil
}

// Close folds the journal into the document (one whole write) so the
// backend holds one plain document again, as every other command leaves
// it. It writes nothing when no journal was started.
func (j *JournalWriter) Close(ctx context.Context) error {
	j.m.mu.Lock()
	defer j.m.mu.Unlock()
	if !j.open || j.s == nil {
		return nil
	}
	return j.writeWhole(ctx, j.s)
}
