// Package provenance is the environment record stored with each model
// version: which executor and image ran it, the content of the
// environment's lock files and the output of its capture commands
// (`python3 --version`, `pip freeze`). mlform writes it to the store as an
// object at train time; lineage reads it back. A record read from a store
// is untrusted: Decode checks it strictly and bounds its size.
package provenance

import (
	"fmt"
	"unicode/utf8"

	"github.com/mlform/mlform/internal/strictjson"
	"github.com/mlform/mlform/internal/textfmt"
)

// FormatVersion is the record format this build writes and reads.
const FormatVersion = 1

// Limits on what a record holds: a lock file or a command's output longer
// than MaxText is cut (Truncated says so); the whole record is refused
// above MaxRecord.
const (
	MaxText   = 1 << 20
	MaxRecord = 16 << 20
	maxItems  = 1000
)

// Environment is what a version's environment was.
type Environment struct {
	FormatVersion int    `json:"format_version"`
	Name          string `json:"name,omitempty"` // the environment block ("" for none)
	Executor      string `json:"executor"`
	Image         string `json:"image,omitempty"`
	// ImageDigest is the image's content digest when the executor
	// resolved one.
	ImageDigest string    `json:"image_digest,omitempty"`
	Files       []File    `json:"files,omitempty"`
	Captures    []Capture `json:"captures,omitempty"`
}

// File is one lock file of the environment's `files` and its content.
type File struct {
	Path      string `json:"path"`
	Content   string `json:"content"`
	Truncated bool   `json:"truncated,omitempty"`
	Error     string `json:"error,omitempty"` // why the content could not be read
}

// Capture is one capture command and what it printed (stdout and stderr,
// in order, secrets redacted).
type Capture struct {
	Command   string `json:"command"`
	ExitCode  int    `json:"exit_code"`
	Output    string `json:"output"`
	Truncated bool   `json:"truncated,omitempty"`
	Error     string `json:"error,omitempty"` // why it did not run
}

// Cut bounds a text to MaxText bytes (on a UTF-8 boundary) and reports
// whether it cut anything.
func Cut(s string) (string, bool) {
	if len(s) <= MaxText {
		return s, false
	}
	n := MaxText
	for n > 0 && !utf8.RuneStart(s[n]) { // do not split a character
		n--
	}
	return s[:n], true
}

// Encode is the stored form: JSON, no HTML escaping.
func Encode(e *Environment) ([]byte, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	b, err := textfmt.Marshal(e)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Decode reads a stored record strictly: unknown fields, trailing data, a
// newer format or out-of-bounds content are errors.
func Decode(b []byte) (*Environment, error) {
	if len(b) > MaxRecord {
		return nil, fmt.Errorf("environment record: %d bytes is more than %d", len(b), MaxRecord)
	}
	var e Environment
	if err := strictjson.Unmarshal(b, &e, strictjson.KnownFields); err != nil {
		return nil, fmt.Errorf("environment record: %w", err)
	}
	if err := e.Validate(); err != nil {
		return nil, err
	}
	return &e, nil
}

// Validate checks the bounds Decode relies on.
func (e *Environment) Validate() error {
	switch {
	case e.FormatVersion != FormatVersion:
		return fmt.Errorf("environment record: format_version %d is not %d", e.FormatVersion, FormatVersion)
	case len(e.Files) > maxItems || len(e.Captures) > maxItems:
		return fmt.Errorf("environment record: more than %d files or captures", maxItems)
	}
	for _, f := range e.Files {
		if len(f.Content) > MaxText || len(f.Path) > 4096 {
			return fmt.Errorf("environment record: file %.80q is too large", f.Path)
		}
	}
	for _, c := range e.Captures {
		if len(c.Output) > MaxText || len(c.Command) > 4096 {
			return fmt.Errorf("environment record: capture %.80q is too large", c.Command)
		}
	}
	return nil
}
