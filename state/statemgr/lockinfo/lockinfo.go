// Package lockinfo is the state lock object: what a lock records (Info),
// its encoding, its strict decoder (the object is untrusted input, read
// from a backend anyone with access may write; fuzzed) and the error that
// shows a held lock to the user (LockedError). It links no backend and no
// cloud driver (internal/importrules), so its fuzz target runs fast;
// state/statemgr takes and releases locks and forwards these names
// (statemgr.LockInfo, DecodeLockInfo, LockedError, ...).
package lockinfo

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mlform/mlform/internal/procid"
	"github.com/mlform/mlform/internal/strictjson"
	"github.com/mlform/mlform/internal/termtext"
	"github.com/mlform/mlform/internal/textfmt"
	"github.com/mlform/mlform/providers/storage/storedoc"
)

// Info is what a lock object records: enough for someone who finds the
// state locked to tell who holds it, since when, doing what, and to release
// it if its holder is gone.
type Info struct {
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

// maxInfo bounds a lock object; a real one is a few hundred bytes.
const maxInfo = 64 << 10

// maxField bounds each text field of a lock for messages.
const maxField = 512

// Encode returns the lock object content for info.
func Encode(info Info) ([]byte, error) {
	if err := info.validate(); err != nil {
		return nil, fmt.Errorf("encode lock info: %w", err)
	}
	b, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode lock info: %w", err)
	}
	return append(b, '\n'), nil
}

// Decode parses a lock object. The object is untrusted: its fields end up
// in messages, so they must be valid, printable and short.
func Decode(b []byte) (Info, error) {
	var info Info
	if len(b) > maxInfo {
		return info, fmt.Errorf("lock info is %d bytes, more than %d", len(b), maxInfo)
	}
	err := strictjson.Unmarshal(b, &info, 0)
	switch {
	case errors.Is(err, strictjson.ErrTrailingData):
		return Info{}, errors.New("lock info has data after its JSON object")
	case err != nil:
		return Info{}, fmt.Errorf("lock info is not valid JSON: %w", err)
	}
	if err := info.validate(); err != nil {
		return Info{}, err
	}
	return info, nil
}

func (info Info) validate() error {
	if !storedoc.ValidLineage(info.ID) { // a lineage's alphabet: letters, digits, dashes
		return fmt.Errorf("lock id %q is not valid (letters, digits and dashes, 1 to 64 of them)", termtext.Truncate(info.ID, 80))
	}
	for _, f := range []struct{ name, val string }{
		{"operation", info.Operation}, {"who", info.Who}, {"version", info.Version}, {"path", info.Path}, {"host", info.Host},
	} {
		if len(f.val) > maxField || !utf8.ValidString(f.val) || strings.ContainsFunc(f.val, isControl) {
			return fmt.Errorf("lock %s is too long or contains control characters", f.name)
		}
	}
	if info.PID < 0 {
		return fmt.Errorf("lock pid %d is negative", info.PID)
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }

// Holder process states, as far as this host can tell.
const (
	HolderUnknown = "unknown" // another host, or no pid recorded
	HolderRunning = "running"
	HolderGone    = "gone"
)

// HolderRunning says whether the process holding the lock still runs:
// known only for a holder on this host.
func (info Info) HolderRunning() string {
	if info.PID <= 0 || info.Host == "" || info.Host != procid.Host() {
		return HolderUnknown
	}
	if !procid.Exited(info.PID) {
		return HolderRunning
	}
	return HolderGone
}

// processGone reports whether the holder ran on this host and its process
// no longer exists. It never guesses across hosts.
func processGone(h Info) bool {
	return h.HolderRunning() == HolderGone
}

// LockedError reports a lock held by someone else.
type LockedError struct {
	// Path is the state the lock guards.
	Path string
	// ID is the id force-unlock takes; Holder is zero when the lock object
	// cannot be read, and Reason says why.
	ID     string
	Holder Info
	Reason string
	Waited time.Duration
}

func (e *LockedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "the state %s is locked", e.Path)
	if e.Waited > 0 {
		fmt.Fprintf(&b, " (waited %s)", e.Waited.Round(time.Millisecond))
	}
	if e.Reason != "" {
		fmt.Fprintf(&b, ": %s", e.Reason)
	}
	if e.ID == "" {
		return b.String()
	}
	h := e.Holder
	fmt.Fprintf(&b, "\nLock info:\n  ID:        %s\n", e.ID)
	if h.ID != "" {
		fmt.Fprintf(&b, "  Operation: %s\n  Who:       %s\n  Version:   %s\n", h.Operation, h.Who, h.Version)
		fmt.Fprintf(&b, "  Created:   %s (%s ago)\n", textfmt.Time(h.Created), age(h.Created))
		if h.PID > 0 {
			fmt.Fprintf(&b, "  Process:   %d on %s\n", h.PID, h.Host)
		}
		if processGone(h) {
			fmt.Fprintf(&b, "The holding process (pid %d) is no longer running on this host: the lock is stale.\n", h.PID)
		}
	}
	fmt.Fprintf(&b, "If no mlform is using this state any more, release the lock with:\n  mlform force-unlock %s\n(it asks for confirmation; in a script, add -force: mlform force-unlock -force %s)", e.ID, e.ID)
	return b.String()
}

// age is how long ago t was, in words a person reads at a glance:
// "850ms", "3m12s", "5h4m", "12d3h".
func age(t time.Time) string {
	d := time.Since(t)
	switch {
	case d < 0:
		return "0s"
	case d < time.Minute:
		return d.Round(10 * time.Millisecond).String()
	case d < time.Hour:
		return d.Round(time.Second).String()
	case d < 48*time.Hour:
		d = d.Round(time.Minute)
		return fmt.Sprintf("%dh%dm", int(d.Hours()), int(d.Minutes())%60)
	default:
		return fmt.Sprintf("%dd%dh", int(d.Hours())/24, int(d.Hours())%24)
	}
}
