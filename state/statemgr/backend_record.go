package statemgr

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/mlform/mlform/internal/bloburl"
	mblob "github.com/mlform/mlform/providers/blob"
)

// BackendRecordPath is where a workspace remembers its state backend,
// relative to the workspace directory. Like Terraform's saved backend
// configuration, it lets every command notice that the configuration now
// names another backend, instead of silently starting from an empty state
// there.
const BackendRecordPath = ".mlform/backend.json"

// maxRecordSize bounds what is read of a backend record (untrusted: a few
// hundred bytes when written by mlform).
const maxRecordSize = 64 << 10

// BackendRecord is what a workspace remembers of its backend. It never
// holds a credential: URL is the backend's identity (bloburl.Identity: one
// spelling per place, credentials redacted).
type BackendRecord struct {
	FormatVersion int `json:"format_version"`
	// URL is the backend's identity, safe to print.
	URL string `json:"url"`
	// Redacted is true when the configured URL carried credentials that
	// URL shows as REDACTED: then URL cannot be opened as it is, and
	// `init -migrate-state` needs the old URL in -from-backend.
	Redacted bool `json:"redacted,omitempty"`
}

// NewBackendRecord returns the record of backend URL rawURL.
func NewBackendRecord(rawURL string) (*BackendRecord, error) {
	id, secrets, err := bloburl.Identity(rawURL)
	if err != nil {
		return nil, err
	}
	return &BackendRecord{FormatVersion: 1, URL: id, Redacted: secrets}, nil
}

// Matches reports whether rawURL names the backend the record remembers:
// same identity, or (local directories) the same directory once resolved
// against workDir ("file://state" and "file:///abs/ws/state").
func (r *BackendRecord) Matches(rawURL, workDir string) bool {
	id, _, err := bloburl.Identity(rawURL)
	if err != nil {
		return false
	}
	if id == r.URL {
		return true
	}
	a, aok := mblob.LocalPath(rawURL, workDir)
	b, bok := mblob.LocalPath(r.URL, workDir)
	return aok && bok && a == b
}

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
// none. A record that cannot be decoded is an error naming the file and
// how to replace it: guessing would defeat the check.
func ReadBackendRecord(workDir string) (*BackendRecord, error) {
	path := filepath.Join(workDir, BackendRecordPath)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the remembered backend: %w", err)
	}
	fail := func(problem string) error {
		return fmt.Errorf("%s: %s; run mlform init -reconfigure to record the configured backend again", path, problem)
	}
	if len(data) > maxRecordSize {
		return nil, fail("too large to be a backend record")
	}
	var r BackendRecord
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return nil, fail("not a backend record: " + err.Error())
	}
	if r.FormatVersion != 1 {
		return nil, fail(fmt.Sprintf("format_version %d is not one this mlform reads (1)", r.FormatVersion))
	}
	if _, err := bloburl.Parse(r.URL); err != nil || r.URL == "" {
		return nil, fail(fmt.Sprintf("url %q is not a backend URL", bloburl.Redact(r.URL)))
	}
	return &r, nil
}

// WriteBackendRecord stores r in workDir atomically (temporary file,
// fsync, rename), creating the .mlform directory when missing.
func WriteBackendRecord(workDir string, r *BackendRecord) error {
	path := filepath.Join(workDir, BackendRecordPath)
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	data = append(data, '\n')
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
