// Package backendrecord is the record a workspace keeps of its state
// backend (.mlform/backend.json): the backend's identity, never a
// credential. The file is untrusted input: Decode checks it strictly (and
// is fuzzed on its own, apart from the backends and their drivers).
// state/statemgr writes the file and wraps it for its callers.
package backendrecord

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/mlform/mlform/internal/bloburl"
	"github.com/mlform/mlform/internal/readfile"
	"github.com/mlform/mlform/internal/strictjson"
)

// Path is where a workspace remembers its state backend, relative to the
// workspace directory. Like Terraform's saved backend configuration, it
// lets every command notice that the configuration now names another
// backend, instead of silently starting from an empty state there.
const Path = ".mlform/backend.json"

// maxSize bounds what is read of a backend record (untrusted: a few
// hundred bytes when written by mlform).
const maxSize = 64 << 10

// Record is what a workspace remembers of its backend. It never holds a
// credential: URL is the backend's identity (bloburl.Identity: one
// spelling per place, credentials redacted).
type Record struct {
	FormatVersion int `json:"format_version"`
	// URL is the backend's identity, safe to print.
	URL string `json:"url"`
	// Redacted is true when the configured URL carried credentials that
	// URL shows as REDACTED: then URL cannot be opened as it is, and
	// `init -migrate-state` needs the old URL in -from-backend.
	Redacted bool `json:"redacted,omitempty"`
}

// New returns the record of backend URL rawURL.
func New(rawURL string) (*Record, error) {
	id, secrets, err := bloburl.Identity(rawURL)
	if err != nil {
		return nil, err
	}
	return &Record{FormatVersion: 1, URL: id, Redacted: secrets}, nil
}

// Matches reports whether rawURL names the backend the record remembers:
// same identity, or (local directories) the same directory once resolved
// against workDir ("file://state" and "file:///abs/ws/state").
func (r *Record) Matches(rawURL, workDir string) bool {
	id, _, err := bloburl.Identity(rawURL)
	if err != nil {
		return false
	}
	if id == r.URL {
		return true
	}
	a, aok := bloburl.LocalPath(rawURL, workDir)
	b, bok := bloburl.LocalPath(r.URL, workDir)
	return aok && bok && a == b
}

// Encode returns the file's content for r.
func Encode(r *Record) ([]byte, error) {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

var errTooLarge = errors.New("too large to be a backend record")

// Decode checks and decodes a record file's content. The error says what
// is wrong with it.
func Decode(data []byte) (*Record, error) {
	if len(data) > maxSize {
		return nil, errTooLarge
	}
	var r Record
	if err := strictjson.Unmarshal(data, &r, strictjson.KnownFields); err != nil {
		return nil, errors.New("not a backend record: " + err.Error())
	}
	if r.FormatVersion != 1 {
		return nil, fmt.Errorf("format_version %d is not one this mlform reads (1)", r.FormatVersion)
	}
	if _, err := bloburl.Parse(r.URL); err != nil || r.URL == "" {
		return nil, fmt.Errorf("url %q is not a backend URL", bloburl.Redact(r.URL))
	}
	return &r, nil
}

// Read returns the record in workDir, or nil when there is none. A record
// that cannot be decoded is an error naming the file and how to replace
// it: guessing would defeat the check.
func Read(workDir string) (*Record, error) {
	path := filepath.Join(workDir, Path)
	// readfile: a FIFO or device in its place is refused, not waited on,
	// and no more than a record's size is read.
	data, err := readfile.Read(path, maxSize)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if errors.Is(err, readfile.ErrTooLarge) {
		return nil, hint(path, errTooLarge)
	}
	if err != nil {
		return nil, fmt.Errorf("read the remembered backend: %w", err)
	}
	r, err := Decode(data)
	if err != nil {
		return nil, hint(path, err)
	}
	return r, nil
}

// hint is the error for a record file that cannot be used: the file, what
// is wrong, and how to replace it.
func hint(path string, err error) error {
	return fmt.Errorf("%s: %v; run mlform init -reconfigure to record the configured backend again", path, err)
}
