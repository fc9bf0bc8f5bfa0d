package statemgr

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zeebo/blake3"

	"github.com/mlform/mlform/internal/procid"
	"github.com/mlform/mlform/internal/termtext"
	"github.com/mlform/mlform/internal/whoami"
	"github.com/mlform/mlform/providers/storage/storedoc"
)

// LockInfo is what a lock object records: enough for someone who finds the
// state locked to tell who holds it, since when, doing what, and to release
// it if its holder is gone.
type LockInfo struct {
	// ID identifies this acquisition; force-unlock must name it.
	ID string `json:"id"`
	// Operation is the command holding the lock ("apply", "state rm", ...).
	Operation string `json:"operation"`
	// Who is user@host.
	Who string `json:"who"`
	// Version is the holder's mlform version.
	Version string    `json:"version"`
	Created time.Time `json:"created"`
	// Path is the (redacted) location of the state the lock guards.
	Path string `json:"path"`
	// Host and PID identify the holding process, so a lock left by a
	// process that died on this machine can be reported as stale.
	Host string `json:"host,omitempty"`
	PID  int    `json:"pid,omitempty"`
}

// maxLockInfo bounds a lock object; a real one is a few hundred bytes.
const maxLockInfo = 64 << 10

// maxLockField bounds each text field of a lock for messages.
const maxLockField = 512

// EncodeLockInfo returns the lock object content for info.
func EncodeLockInfo(info LockInfo) ([]byte, error) {
	if err := info.validate(); err != nil {
		return nil, fmt.Errorf("encode lock info: %w", err)
	}
	b, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode lock info: %w", err)
	}
	return append(b, '\n'), nil
}

// DecodeLockInfo parses a lock object. The object is untrusted: its fields
// end up in messages, so they must be valid, printable and short.
func DecodeLockInfo(b []byte) (LockInfo, error) {
	var info LockInfo
	if len(b) > maxLockInfo {
		return info, fmt.Errorf("lock info is %d bytes, more than %d", len(b), maxLockInfo)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&info); err != nil {
		return LockInfo{}, fmt.Errorf("lock info is not valid JSON: %w", err)
	}
	if dec.More() {
		return LockInfo{}, fmt.Errorf("lock info has data after its JSON object")
	}
	if err := info.validate(); err != nil {
		return LockInfo{}, err
	}
	return info, nil
}

func (info LockInfo) validate() error {
	if !storedoc.ValidLineage(info.ID) { // a lineage's alphabet: letters, digits, dashes
		return fmt.Errorf("lock id %q is not valid (letters, digits and dashes, 1 to 64 of them)", termtext.Truncate(info.ID, 80))
	}
	for _, f := range []struct{ name, val string }{
		{"operation", info.Operation}, {"who", info.Who}, {"version", info.Version}, {"path", info.Path}, {"host", info.Host},
	} {
		if len(f.val) > maxLockField || !utf8.ValidString(f.val) || strings.ContainsFunc(f.val, isControl) {
			return fmt.Errorf("lock %s is too long or contains control characters", f.name)
		}
	}
	if info.PID < 0 {
		return fmt.Errorf("lock pid %d is negative", info.PID)
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }

// unreadableLockID names a lock object that cannot be decoded (a damaged or
// foreign object), so force-unlock can still remove exactly that object.
func unreadableLockID(raw []byte) string {
	h := blake3.Sum256(raw)
	return "unreadable-" + hex.EncodeToString(h[:8])
}

// lockIDOf returns the id force-unlock must name for a lock object.
func lockIDOf(raw []byte) (LockInfo, string, error) {
	info, err := DecodeLockInfo(raw)
	if err != nil {
		return LockInfo{}, unreadableLockID(raw), err
	}
	return info, info.ID, nil
}

// CurrentWho returns "user@host" for the running process.
func CurrentWho() string { return whoami.UserAtHost() }

func hostname() string { return procid.Host() }
