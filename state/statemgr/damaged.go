package statemgr

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/mlform/mlform/internal/textfmt"
	"github.com/mlform/mlform/state"
)

// StateError is a stored state document mlform refuses to use, with what a
// user needs to recover: where the document and its backup are, and
// whether the backup is usable.
type StateError struct {
	Location string
	// Err is the *DecodeError.
	Err error
	// Backup is the backup's location; BackupSerial its serial when
	// BackupErr is nil and BackupFound.
	Backup       string
	BackupFound  bool
	BackupSerial uint64
	BackupErr    error
	// Salvage is set when state.json is intact but its journal is
	// damaged: the serial of state.json and of the document its journal's
	// changes before the damage give (Manager.ReadSalvaged), which hold
	// more than the backup does.
	Salvage *Salvage
}

// Salvage describes what `state pull -salvage` recovers from a state whose
// journal is damaged.
type Salvage struct {
	BaseSerial uint64
	Changes    int
	Serial     uint64
}

func (e *StateError) Unwrap() error { return e.Err }

func (e *StateError) Error() string {
	var b strings.Builder
	var de *state.DecodeError
	switch {
	case errors.As(e.Err, &de) && de.Problem == state.ProblemFuture:
		// Nothing is wrong with the document; this build is too old.
		return fmt.Sprintf("%s: %s", e.Location, de.Detail)
	case errors.As(e.Err, &de):
		fmt.Fprintf(&b, "state %s is %s: %s", e.Location, de.Problem, de.Detail)
	default:
		fmt.Fprintf(&b, "state %s: %v", e.Location, e.Err)
	}
	if v := e.Salvage; v != nil {
		fmt.Fprintf(&b, "\nstate.json itself is intact (serial %d), and %s before the damage replay cleanly (serial %d).", v.BaseSerial, textfmt.CountAs(v.Changes, "journal change", "journal changes"), v.Serial)
		if e.BackupFound && e.BackupErr == nil {
			fmt.Fprintf(&b, " The backup %s (serial %d) is older: do not restore it.", e.Backup, e.BackupSerial)
		}
		b.WriteString(" To keep the most:\n  mlform state pull -salvage > restored.json\n  mlform state push -force restored.json")
		return b.String()
	}
	switch {
	case !e.BackupFound:
		fmt.Fprintf(&b, "\nThere is no backup (%s). Restore %s from your own copy with `mlform state push -force FILE`.", e.Backup, e.Location)
	case e.BackupErr != nil:
		fmt.Fprintf(&b, "\nThe backup %s is unusable too: %v\nRestore the state from your own copy with `mlform state push -force FILE`.", e.Backup, e.BackupErr)
	default:
		fmt.Fprintf(&b, "\nThe previous state (serial %d) is intact in %s. To restore it:\n  mlform state pull -backup > restored.json\n  mlform state push -force restored.json", e.BackupSerial, e.Backup)
	}
	return b.String()
}

// damaged describes a refused state document together with its backup.
func (m *Manager) damaged(ctx context.Context, decodeErr error) *StateError {
	e := &StateError{Location: m.Location(), Err: decodeErr, Backup: m.BackupLocation()}
	raw, err := m.b.get(ctx, ObjectBackup)
	switch {
	case errors.Is(err, errNotExist):
	case err != nil:
		e.BackupFound, e.BackupErr = true, err
	default:
		e.BackupFound = true
		if s, err := state.Decode(raw); err != nil {
			e.BackupErr = err
		} else {
			e.BackupSerial = s.Serial
		}
	}
	return e
}
