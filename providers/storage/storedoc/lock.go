package storedoc

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mlform/mlform/internal/procid"
	"github.com/mlform/mlform/internal/strictjson"
	"github.com/mlform/mlform/internal/termtext"
	"github.com/mlform/mlform/internal/textfmt"
)

// LockKind is the kind of a store lock.
type LockKind string

// Lock kinds.
const (
	LockShared    LockKind = "shared"
	LockExclusive LockKind = "exclusive"
)

// MaxLockSize bounds a lock object read from the store.
const MaxLockSize = 64 << 10

// LockHolder is what a lock object records about its holder.
type LockHolder struct {
	ID   string   `json:"id"`
	Kind LockKind `json:"kind"`
	Host string   `json:"host"`
	// Boot is the holder's kernel boot id (procid.Boot), so a holder on
	// another machine with the same host name is never judged by its pid
	// here; empty in locks of older versions and where it is unknown.
	Boot      string    `json:"boot,omitempty"`
	PID       int       `json:"pid"`
	User      string    `json:"user"`
	Command   string    `json:"command"`
	Created   time.Time `json:"created"`
	Refreshed time.Time `json:"refreshed"`
}

// lockDoc is the JSON form of a lock object.
type lockDoc struct {
	Type   string `json:"type"`
	Format int    `json:"format"`
	LockHolder
}

const lockDocKind = "mlform-store-lock"

// String describes the holder for messages.
func (h LockHolder) String() string {
	return fmt.Sprintf("%s lock %s held by %s@%s (pid %d) for %q since %s, refreshed %s",
		h.Kind, h.ID, h.User, h.Host, h.PID, h.Command, textfmt.Time(h.Created), textfmt.Time(h.Refreshed))
}

// Gone reports whether the holder ran on this host (this kernel) and its
// process no longer exists; why says so.
func (h LockHolder) Gone() (bool, string) {
	if procid.SameKernel(h.Host, h.Boot) && h.PID > 0 && procid.Exited(h.PID) {
		return true, fmt.Sprintf("process %d on %s is gone", h.PID, h.Host)
	}
	return false, ""
}

// Stale reports whether the holder is gone (Gone), or has not refreshed
// its lock for stale by its own clock (Refreshed) read against now. why
// says which. Hosts whose clocks disagree misjudge each other by this
// rule: the store judges a lock's age by the store's clock where the
// bucket gives lock objects a modification time (storage.LockEntry.Stale)
// and falls back to this.
func (h LockHolder) Stale(now time.Time, stale time.Duration) (bool, string) {
	if gone, why := h.Gone(); gone {
		return true, why
	}
	if age := now.Sub(h.Refreshed); age > stale {
		return true, fmt.Sprintf("not refreshed for %s (stale after %s)", age.Round(time.Second), stale)
	}
	return false, ""
}

// EncodeLock returns the lock object content for h.
func EncodeLock(h LockHolder) ([]byte, error) {
	if err := h.validate(); err != nil {
		return nil, fmt.Errorf("encode lock: %w", err)
	}
	b, err := json.Marshal(lockDoc{Type: lockDocKind, Format: 1, LockHolder: h})
	if err != nil {
		return nil, fmt.Errorf("encode lock: %w", err)
	}
	return append(b, '\n'), nil
}

// DecodeLock parses a lock object (untrusted: its fields end up in
// messages).
func DecodeLock(b []byte) (LockHolder, error) {
	var d lockDoc
	if err := strictjson.Decode(b, MaxLockSize, &d, "lock"); err != nil {
		return LockHolder{}, err
	}
	if d.Type != lockDocKind || d.Format != 1 {
		return LockHolder{}, fmt.Errorf("not an mlform store lock of format 1 (type %q, format %d)", termtext.Truncate(d.Type, 40), d.Format)
	}
	if err := d.LockHolder.validate(); err != nil {
		return LockHolder{}, err
	}
	return d.LockHolder, nil
}

func (h LockHolder) validate() error {
	if !ValidLineage(h.ID) { // same alphabet: letters, digits, dashes
		return fmt.Errorf("lock id %q is not valid", termtext.Truncate(h.ID, 80))
	}
	if h.Kind != LockShared && h.Kind != LockExclusive {
		return fmt.Errorf("lock kind %q is neither shared nor exclusive", termtext.Truncate(string(h.Kind), 40))
	}
	for _, f := range []struct{ name, val string }{{"host", h.Host}, {"user", h.User}, {"command", h.Command}} {
		if len(f.val) > maxRootField || !utf8.ValidString(f.val) || strings.ContainsFunc(f.val, isControl) {
			return fmt.Errorf("lock %s is too long or contains control characters", f.name)
		}
	}
	if h.Boot != "" && !procid.ValidBoot(h.Boot) {
		return fmt.Errorf("lock boot id %q is not valid", termtext.Truncate(h.Boot, 80))
	}
	if h.PID < 0 {
		return fmt.Errorf("lock pid %d is negative", h.PID)
	}
	return nil
}
