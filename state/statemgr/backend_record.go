package statemgr

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/mlform/mlform/state/statemgr/backendrecord"
)

// BackendRecordPath is where a workspace remembers its state backend,
// relative to the workspace directory (backendrecord.Path).
const BackendRecordPath = backendrecord.Path

// BackendRecord is what a workspace remembers of its backend (see
// backendrecord.Record): its identity, never a credential.
type BackendRecord = backendrecord.Record

// NewBackendRecord returns the record of backend URL rawURL.
func NewBackendRecord(rawURL string) (*BackendRecord, error) { return backendrecord.New(rawURL) }

// BackendChangedError is returned when the configuration names a backend
// other than the one the workspace remembers. Both URLs are identities:
// safe to print.
type BackendChangedError struct {
	Old, New string
}

func (e *BackendChangedError) Error() string {
	return fmt.Sprintf("the state backend changed: this workspace was initialized with\n  %s\nand the configuration now names\n  %s\n"+
		"Nothing was read or written. Run one of:\n"+
		"  mlform init -migrate-state   copy the state to the new backend (both locked) and use it\n"+
		"  mlform init -reconfigure     use the new backend as it is, without copying the state\n"+
		"or change the configuration back.", e.Old, e.New)
}

// ReadBackendRecord returns the record in workDir, or nil when there is
// none; a record that cannot be decoded is an error naming the file and
// how to replace it (backendrecord.Read).
func ReadBackendRecord(workDir string) (*BackendRecord, error) { return backendrecord.Read(workDir) }

// WriteBackendRecord stores r in workDir atomically (temporary file,
// fsync, rename), creating the .mlform directory when missing.
func WriteBackendRecord(workDir string, r *BackendRecord) error {
	path := filepath.Join(workDir, BackendRecordPath)
	data, err := backendrecord.Encode(r)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("remember the backend: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), tempPrefix+"backend-")
	if err != nil {
		return fmt.Errorf("remember the backend: %w", err)
	}
	defer os.Remove(tmp.Name())
	err = writeSync(tmp, data)
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("remember the backend in %s: %w", path, err)
	}
	return nil
}
