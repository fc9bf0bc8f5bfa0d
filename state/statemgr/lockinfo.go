package statemgr

import (
	"encoding/hex"

	"github.com/zeebo/blake3"

	"github.com/mlform/mlform/internal/procid"
	"github.com/mlform/mlform/internal/whoami"
	"github.com/mlform/mlform/state/statemgr/lockinfo"
)

// LockInfo is what a lock object records (lockinfo.Info): who holds the
// state, since when, doing what.
type LockInfo = lockinfo.Info

// LockedError reports a lock held by someone else (lockinfo.LockedError).
type LockedError = lockinfo.LockedError

// Holder process states, as far as this host can tell (LockInfo.HolderRunning).
const (
	HolderUnknown = lockinfo.HolderUnknown
	HolderRunning = lockinfo.HolderRunning
	HolderGone    = lockinfo.HolderGone
)

// EncodeLockInfo returns the lock object content for info (lockinfo.Encode).
func EncodeLockInfo(info LockInfo) ([]byte, error) { return lockinfo.Encode(info) }

// DecodeLockInfo parses an untrusted lock object (lockinfo.Decode).
func DecodeLockInfo(b []byte) (LockInfo, error) { return lockinfo.Decode(b) }

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
