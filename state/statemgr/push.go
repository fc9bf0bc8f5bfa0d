package statemgr

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/mlform/mlform/state"
)

// PushResult says what Push stored.
type PushResult struct {
	Serial  uint64
	Lineage string
	// Replaced is the serial of the document replaced (0: none existed or
	// it was unreadable).
	Replaced uint64
	// DamagedObject names the object a replaced damaged document was kept
	// in ("" when none was replaced); DamagedCopy is its location.
	DamagedObject, DamagedCopy string
	// Unchanged is true when the document equals the stored state (same
	// lineage, serial and content): nothing was written.
	Unchanged bool
}

// Push replaces the stored state with the document doc (see
// DecodeUnsigned: a blank checksum is accepted for a hand-edited file).
// Without force it refuses a document of another lineage, one whose serial
// is not newer than the stored one, and replacing a damaged or
// future-format document. With force it stores the document anyway, under a
// serial above any stored one so plans saved against the replaced state no
// longer match; a damaged document it replaces is kept as
// state.json.damaged-<time>, and the backup is left alone so it still holds
// the last good state. Callers hold the lock.
func (m *Manager) Push(ctx context.Context, doc []byte, force bool) (*PushResult, error) {
	return m.PushAbove(ctx, doc, force, 0)
}

// PushAbove is Push, where a forced push also stores the document under a
// serial of at least floor: above the serial of the roots this workspace
// wrote in its stores, which refuse an older state (storage.RootAhead),
// so going back to an older state on purpose takes one command.
func (m *Manager) PushAbove(ctx context.Context, doc []byte, force bool, floor uint64) (*PushResult, error) {
	if !force {
		floor = 0
	}
	s, err := state.DecodeUnsigned(doc)
	if err != nil {
		return nil, err
	}
	if _, err := nextSerial(s.Serial, 1); err != nil {
		// Stored, it would refuse every later write.
		return nil, fmt.Errorf("push: the document's serial is %d: %w; stored, it would refuse every later write", s.Serial, ErrSerialOverflow)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.checkHeld(ctx); err != nil {
		return nil, err
	}
	curRaw, cur, err := m.current(ctx)
	res := &PushResult{Lineage: s.Lineage}
	var se *StateError
	switch {
	case err != nil && !errors.As(err, &se):
		return nil, err
	case err != nil && !force:
		return nil, fmt.Errorf("%w\nPass -force to replace it", err)
	case err != nil:
		// Above the damaged document's serial; when that cannot be read,
		// above the serial it most likely had (the backup's plus one).
		serial := s.Serial
		if n, ok := damagedSerial(curRaw); ok {
			next, err := nextSerial(n, 1)
			if err != nil {
				return nil, err
			}
			serial = max(serial, next)
		} else if se.BackupFound && se.BackupErr == nil {
			next, err := nextSerial(se.BackupSerial, 2)
			if err != nil {
				return nil, err
			}
			serial = max(serial, next)
		}
		res.DamagedObject, err = m.keepDamaged(ctx, curRaw)
		if err != nil {
			return nil, err
		}
		res.DamagedCopy = m.b.location(res.DamagedObject)
		// The backup stays: it is the last good state.
		if _, err := m.store(ctx, s, max(serial, floor, 1), nil); err != nil {
			return nil, err
		}
	case cur == nil:
		if _, err := m.store(ctx, s, max(s.Serial, floor, 1), nil); err != nil {
			return nil, err
		}
	default:
		res.Replaced = cur.Serial
		serial := s.Serial
		if !force {
			if cur.Lineage != s.Lineage {
				return nil, fmt.Errorf("the pushed state has lineage %s but the stored state has %s: it belongs to another workspace (pass -force to replace it anyway)", s.Lineage, cur.Lineage)
			}
			if s.Serial == cur.Serial && sameContent(s, cur) {
				// Pushing back what was pulled: nothing to do, nothing lost.
				res.Serial, res.Unchanged = cur.Serial, true
				return res, nil
			}
			if s.Serial <= cur.Serial {
				return nil, fmt.Errorf("the pushed state has serial %d, not newer than the stored serial %d: pushing it would lose changes (pass -force to replace it anyway)", s.Serial, cur.Serial)
			}
		} else if serial <= cur.Serial {
			if serial, err = nextSerial(cur.Serial, 1); err != nil {
				return nil, err
			}
		}
		if _, err := m.store(ctx, s, max(serial, floor), curRaw); err != nil {
			return nil, err
		}
	}
	res.Serial = s.Serial
	return res, nil
}

// keepDamaged saves a damaged document before it is replaced, so a forced
// push loses nothing, and returns the object's name.
func (m *Manager) keepDamaged(ctx context.Context, raw []byte) (string, error) {
	name := objectDamagedPrefix + time.Now().UTC().Format("20060102T150405.000000000Z")
	if err := m.b.put(ctx, name, raw); err != nil {
		return "", fmt.Errorf("keep a copy of the damaged state: %w", err)
	}
	// The journal goes with the document it extends (the push replaces
	// both): state.json.damaged-<time>.journal.
	if journal, err := m.b.get(ctx, ObjectJournal); err == nil {
		if err := m.b.put(ctx, name+".journal", journal); err != nil {
			return "", fmt.Errorf("keep a copy of the damaged state's journal: %w", err)
		}
	}
	return name, nil
}

// damagedSerial is a best-effort read of the serial of a document too
// damaged to decode, from its canonical layout.
func damagedSerial(raw []byte) (uint64, bool) {
	const key = "\n  \"serial\": "
	i := bytes.Index(raw, []byte(key))
	if i < 0 {
		return 0, false
	}
	digits := raw[i+len(key):]
	end := bytes.IndexByte(digits, ',')
	if end < 1 || end > 20 {
		return 0, false
	}
	n, err := strconv.ParseUint(string(digits[:end]), 10, 64)
	return n, err == nil
}

// sameContent reports whether a and b record the same world.
func sameContent(a, b *state.State) bool {
	ka, err := contentKey(a)
	if err != nil {
		return false
	}
	kb, err := contentKey(b)
	return err == nil && bytes.Equal(ka, kb)
}
