package storage

import (
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/mlform/mlform/internal/hexid"
)

// idLen is the length of every id in the store: a BLAKE3-256 digest in
// lowercase hex.
const idLen = 64

// Key prefixes of the objects a store owns. Anything else in the bucket is
// left alone (and reported by Check).
const (
	configKey       = "config"
	packPrefix      = "data/"
	indexPrefix     = "index/"
	manifestPrefix  = "manifests/"
	objectPrefix    = "objects/"
	minPrefixLength = 8
)

// validID reports whether s is a full-length lowercase hex id. Every id read
// from a manifest, index, pack trailer or caller passes through it before it
// becomes part of a key, so no key can escape its prefix.
func validID(s string) bool {
	if len(s) != idLen {
		return false
	}
	return hexid.IsLowerHex(s)
}

func checkID(what, s string) error {
	if !validID(s) {
		return fmt.Errorf("invalid %s id %q: want %d lowercase hex characters", what, truncate(s, 80), idLen)
	}
	return nil
}

// truncate keeps error messages readable when the offending value is huge.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

func packKey(id string) string     { return packPrefix + id[:2] + "/" + id }
func indexKey(id string) string    { return indexPrefix + id }
func manifestKey(id string) string { return manifestPrefix + id }
func objectKey(id string) string   { return objectPrefix + id }

// packIDFromKey parses "data/ab/<id>"; ok is false for any other key.
func packIDFromKey(key string) (string, bool) {
	rest, ok := strings.CutPrefix(key, packPrefix)
	if !ok || len(rest) != 3+idLen || rest[2] != '/' {
		return "", false
	}
	id := rest[3:]
	if !validID(id) || rest[:2] != id[:2] {
		return "", false
	}
	return id, true
}

// idFromKey parses "<prefix><id>"; ok is false for any other key.
func idFromKey(prefix, key string) (string, bool) {
	id, ok := strings.CutPrefix(key, prefix)
	if !ok || !validID(id) {
		return "", false
	}
	return id, true
}

// rawID is the binary form of an id, used as a compact map key.
type rawID [32]byte

func (r rawID) String() string { return hex.EncodeToString(r[:]) }

func parseRawID(s string) (rawID, error) {
	var r rawID
	if !validID(s) {
		return r, fmt.Errorf("invalid id %q", truncate(s, 80))
	}
	_, err := hex.Decode(r[:], []byte(s))
	return r, err
}
