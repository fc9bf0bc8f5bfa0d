package storage

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/mlform/mlform/internal/hexid"
	"github.com/mlform/mlform/internal/storekeys"
	"github.com/mlform/mlform/providers/storage/packfmt"
)

// Key prefixes of the objects a store owns (internal/storekeys lists them
// all, roots/ and locks/ too). Anything else in the bucket is left alone
// (and reported by Check when under one of these prefixes).
const (
	configKey       = storekeys.Config
	packPrefix      = storekeys.Packs
	indexPrefix     = storekeys.Indexes
	manifestPrefix  = storekeys.Manifests
	objectPrefix    = storekeys.Objects
	minPrefixLength = 8
)

func packKey(id string) string     { return packPrefix + id[:2] + "/" + id }
func indexKey(id string) string    { return indexPrefix + id }
func manifestKey(id string) string { return manifestPrefix + id }
func objectKey(id string) string   { return objectPrefix + id }

// packIDFromKey parses "data/ab/<id>"; ok is false for any other key.
func packIDFromKey(key string) (string, bool) {
	rest, ok := strings.CutPrefix(key, packPrefix)
	if !ok || len(rest) != 3+hexid.DigestLen || rest[2] != '/' {
		return "", false
	}
	id := rest[3:]
	if !hexid.Valid(id) || rest[:2] != id[:2] {
		return "", false
	}
	return id, true
}

// idFromKey parses "<prefix><id>"; ok is false for any other key.
func idFromKey(prefix, key string) (string, bool) {
	id, ok := strings.CutPrefix(key, prefix)
	if !ok || !hexid.Valid(id) {
		return "", false
	}
	return id, true
}

// hashHex is the id of an object's content: its BLAKE3 in hex.
func hashHex(b []byte) string { return packfmt.Sum(b).String() }

// listKeys lists the keys under prefix, sorted, without upload leftovers
// (isTempKey): the small documents (roots, locks) are listed then read one
// by one.
func (s *Store) listKeys(ctx context.Context, prefix string) ([]string, error) {
	keys, _, err := s.listKeyTimes(ctx, prefix)
	return keys, err
}

// listKeyTimes is listKeys that also returns each key's modification time
// by the store's clock (absent when the driver gives none).
func (s *Store) listKeyTimes(ctx context.Context, prefix string) ([]string, map[string]time.Time, error) {
	var keys []string
	mods := map[string]time.Time{}
	err := s.o.List(ctx, prefix, func(key string, _ int64, mod time.Time) error {
		if !isTempKey(key) {
			keys = append(keys, key)
			if !mod.IsZero() {
				mods[key] = mod
			}
		}
		return nil
	})
	sort.Strings(keys)
	return keys, mods, err
}
