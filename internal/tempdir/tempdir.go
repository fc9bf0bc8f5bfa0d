// Package tempdir owns every temporary directory mlform creates: the
// materialised data, model and output directories of train and evaluate
// steps. They all live under one per-user root,
//
//	$TMPDIR/mlform-<uid>/<token>-<random>.<label>/
//
// where token (internal/procid) names the creating process by host, pid
// and start time, and each directory holds a marker file (MarkerName) that
// says the same in JSON for people. A run killed with SIGKILL cannot remove
// its directory; Sweep, called by the next command that takes the state
// lock (and by every `mlform step run`, on cluster nodes), removes every directory whose owner is gone from this host,
// read-only or not, and never one of a live process.
//
// Why the system temporary directory and not the workspace: data
// directories are copies of whole snapshots, so they belong on fast local
// disk (TMPDIR), not on a workspace that may sit on a network file system;
// and a local directory is only ever used by processes of this host, so
// whether an owner is gone is always decidable. Per user, created 0700 and
// checked to be the user's own, because the system temporary directory is
// shared and world-writable.
package tempdir

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/mlform/mlform/internal/procid"
)

// MarkerName is the owner marker inside each run directory.
const MarkerName = ".mlform-owner.json"

// Marker is the content of MarkerName.
type Marker struct {
	PID       int       `json:"pid"`
	Host      string    `json:"host"`
	Start     uint64    `json:"start_ticks"` // /proc/PID/stat starttime; 0 when unknown
	StartedAt time.Time `json:"started_at"`
	Label     string    `json:"label"`
}

// Root is the per-user root under os.TempDir(), created (0700) when
// missing. It refuses a root that is not a directory, is a symlink, or is
// owned by another user (someone else could read the data or plant files).
func Root() (string, error) {
	root := filepath.Join(os.TempDir(), "mlform-"+userTag())
	if err := os.Mkdir(root, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return "", fmt.Errorf("temporary directory root %s: %w", root, err)
	}
	info, err := os.Lstat(root)
	if err != nil {
		return "", fmt.Errorf("temporary directory root %s: %w", root, err)
	}
	if !info.IsDir() {
		return "", fmt.Errorf("temporary directory root %s is not a directory (a symlink or file is refused): remove it or set TMPDIR", root)
	}
	if err := checkOwner(root, info); err != nil {
		return "", err
	}
	if info.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(root, 0o700); err != nil {
			return "", fmt.Errorf("temporary directory root %s: %w", root, err)
		}
	}
	return root, nil
}

// New creates a run directory for label (e.g. "churn-v3-train": only
// letters, digits, '-' and '_' are kept) under Root and writes its marker.
func New(label string, now time.Time) (string, error) {
	root, err := Root()
	if err != nil {
		return "", err
	}
	self := procid.Self()
	label = cleanLabel(label)
	dir, err := os.MkdirTemp(root, self.Token()+"-*."+label)
	if err != nil {
		return "", fmt.Errorf("temporary directory: %w", err)
	}
	m := Marker{PID: self.PID, Host: self.Host, Start: self.Start, StartedAt: now.UTC(), Label: label}
	b, err := json.MarshalIndent(m, "", "  ")
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, MarkerName), append(b, '\n'), 0o600)
	}
	if err != nil {
		_ = Remove(dir)
		return "", fmt.Errorf("temporary directory marker: %w", err)
	}
	return dir, nil
}

// Remove removes dir and everything below it, read-only or not. It gives
// the owner write permission on each directory before removing its
// entries, and never follows a symlink: a link is removed, not its
// target. A missing dir is not an error.
func Remove(dir string) error {
	info, err := os.Lstat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("remove %s: %w", dir, err)
	}
	if info.IsDir() {
		// WalkDir lstat()s entries and does not descend into symlinks;
		// directories come before their entries, so each is writable by
		// the time its entries are removed.
		_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() && d.Type()&fs.ModeSymlink == 0 {
				_ = os.Chmod(p, 0o700)
			}
			return nil
		})
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove %s: %w", dir, err)
	}
	return nil
}

// SweepReport says what Sweep did.
type SweepReport struct {
	// Removed are the directories of gone owners that were removed.
	Removed []string
	// Kept counts directories of live (or other hosts') owners.
	Kept int
}

// Sweep removes every run directory under Root whose owner is gone from
// this host. Entries it does not recognise (no token) are left alone; so
// are those of running processes and, should the root be shared, of other
// hosts. Errors removing one directory do not stop the others.
func Sweep() (SweepReport, error) {
	var r SweepReport
	root, err := Root()
	if err != nil {
		return r, err
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		return r, fmt.Errorf("sweep %s: %w", root, err)
	}
	var errs []error
	for _, e := range entries {
		tok, ok := ownerToken(e.Name())
		if !ok || !e.IsDir() {
			continue
		}
		if tok.Liveness() != procid.Gone {
			r.Kept++
			continue
		}
		p := filepath.Join(root, e.Name())
		if err := Remove(p); err != nil {
			errs = append(errs, err)
			continue
		}
		r.Removed = append(r.Removed, p)
	}
	return r, errors.Join(errs...)
}

// ownerToken reads the owner token from a run directory name
// "<hosthash>-<pid>-<start>-<random>.<label>".
func ownerToken(name string) (procid.ParsedToken, bool) {
	head, _, ok := strings.Cut(name, ".")
	if !ok {
		return procid.ParsedToken{}, false
	}
	i := strings.LastIndexByte(head, '-')
	if i < 0 {
		return procid.ParsedToken{}, false
	}
	if _, err := strconv.ParseUint(head[i+1:], 10, 64); err != nil {
		return procid.ParsedToken{}, false
	}
	return procid.ParseToken(head[:i])
}

func cleanLabel(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
			b.WriteRune(c)
		default:
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "run"
	}
	if out := b.String(); len(out) > maxLabel {
		// A directory name has at most 255 bytes, and the label of a model
		// deep in modules with long instance keys can be longer: keep its
		// start and its end (version and step), with the token before it.
		return out[:maxLabel/2-1] + "__" + out[len(out)-(maxLabel/2-1):]
	}
	return b.String()
}

// maxLabel is the longest label kept in a run directory's name: with the
// owner token and random part before it, the name stays far below the
// 255 bytes file systems allow.
const maxLabel = 120
