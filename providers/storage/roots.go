package storage

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// A root is what one workspace (one state lineage) tells the store it
// references: every manifest and object id its recorded state names in this
// store. Roots live in the store itself, one object per lineage under
// roots/<lineage>, so that gc run from any workspace sharing the store can
// keep what every other workspace still uses without reading their states
// (which may sit in backends it cannot reach). This is restic's design: the
// repository, not each client, knows what is alive. docs/store-format.md
// gives the format and the write order.

// rootPrefix is where roots live.
const rootPrefix = "roots/"

// RootFormat is the format version written in every root; a root of a newer
// format is refused (gc cannot know what it protects).
const RootFormat = 1

// rootKind marks a root object, so a stray JSON file is not mistaken for one.
const rootKind = "mlform-store-root"

// maxRootSize bounds a root object read from the store: about a million
// ids, far more than any state references.
const maxRootSize = 64 << 20

// maxRootField bounds the descriptive text fields of a root.
const maxRootField = 1024

// Root is one workspace's record in a store.
type Root struct {
	// Lineage is the workspace's state lineage (its key in the store).
	Lineage string
	// Backend is the redacted location of the workspace's state, so a
	// person listing roots knows whose it is.
	Backend string
	// Host wrote it, at Written, from the state at Serial.
	Host    string
	Written time.Time
	Serial  uint64
	// IDs are the manifest and object ids the state references in this
	// store, sorted and unique.
	IDs []string
}

// rootDoc is the JSON form of a Root.
type rootDoc struct {
	Kind    string    `json:"kind"`
	Format  int       `json:"format"`
	Lineage string    `json:"lineage"`
	Backend string    `json:"backend"`
	Host    string    `json:"host"`
	Written time.Time `json:"written"`
	Serial  uint64    `json:"serial"`
	IDs     []string  `json:"ids"`
}

// ValidLineage reports whether s can name a root: letters, digits and
// dashes, 1 to 64 of them (a state lineage is a UUID). Checked before a
// lineage becomes part of a key, so no key escapes roots/.
func ValidLineage(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '-') {
			return false
		}
	}
	return true
}

func rootKey(lineage string) string { return rootPrefix + lineage }

// EncodeRoot returns the object content of r: its ids sorted and deduplicated.
func EncodeRoot(r *Root) ([]byte, error) {
	ids := append([]string(nil), r.IDs...)
	sort.Strings(ids)
	ids = compactStrings(ids)
	doc := rootDoc{Kind: rootKind, Format: RootFormat, Lineage: r.Lineage, Backend: r.Backend,
		Host: r.Host, Written: r.Written.UTC(), Serial: r.Serial, IDs: ids}
	if doc.IDs == nil {
		doc.IDs = []string{}
	}
	if err := doc.validate(); err != nil {
		return nil, fmt.Errorf("encode root: %w", err)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("encode root: %w", err)
	}
	return append(b, '\n'), nil
}

// DecodeRoot parses a root object. It is untrusted input (anyone with
// write access to the bucket may have put it there): size, kind, format,
// lineage, every id and every text field are checked.
func DecodeRoot(b []byte) (*Root, error) {
	if len(b) > maxRootSize {
		return nil, fmt.Errorf("root is %d bytes, more than %d", len(b), maxRootSize)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var doc rootDoc
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("root is not valid JSON: %w", err)
	}
	if dec.More() {
		return nil, errors.New("root has data after its JSON object")
	}
	if doc.Kind != rootKind {
		return nil, fmt.Errorf("not an mlform store root (kind %q)", truncate(doc.Kind, 40))
	}
	if doc.Format != RootFormat {
		return nil, fmt.Errorf("root format %d is not supported by this mlform (it reads format %d): upgrade mlform", doc.Format, RootFormat)
	}
	if err := doc.validate(); err != nil {
		return nil, err
	}
	return &Root{Lineage: doc.Lineage, Backend: doc.Backend, Host: doc.Host, Written: doc.Written, Serial: doc.Serial, IDs: doc.IDs}, nil
}

func (d *rootDoc) validate() error {
	if !ValidLineage(d.Lineage) {
		return fmt.Errorf("root lineage %q is not valid (letters, digits and dashes, 1 to 64 of them)", truncate(d.Lineage, 80))
	}
	for _, f := range []struct{ name, val string }{{"backend", d.Backend}, {"host", d.Host}} {
		if len(f.val) > maxRootField || !utf8.ValidString(f.val) || strings.ContainsFunc(f.val, isControl) {
			return fmt.Errorf("root %s is too long or contains control characters", f.name)
		}
	}
	if d.IDs == nil {
		return errors.New("root has no ids list")
	}
	for i, id := range d.IDs {
		if err := checkID("root", id); err != nil {
			return err
		}
		if i > 0 && d.IDs[i-1] >= id {
			return fmt.Errorf("root ids are not sorted and unique at %s", id)
		}
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }

func compactStrings(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// PutRoot writes (replaces) the root of r.Lineage. Every id must be a
// valid id; whether it exists is not checked here (gc checks).
func (s *Store) PutRoot(ctx context.Context, r *Root) error {
	b, err := EncodeRoot(r)
	if err != nil {
		return err
	}
	if err := s.o.Put(ctx, rootKey(r.Lineage), bytes.NewReader(b), false); err != nil {
		return fmt.Errorf("write root of workspace %s: %w", r.Lineage, err)
	}
	return nil
}

// GetRoot reads the root of lineage; the error wraps ErrNotFound when the
// store has none.
func (s *Store) GetRoot(ctx context.Context, lineage string) (*Root, error) {
	if !ValidLineage(lineage) {
		return nil, fmt.Errorf("workspace lineage %q is not valid (letters, digits and dashes, 1 to 64 of them)", truncate(lineage, 80))
	}
	return s.readRoot(ctx, rootKey(lineage), lineage)
}

func (s *Store) readRoot(ctx context.Context, key, lineage string) (*Root, error) {
	b, err := s.getBounded(ctx, key, maxRootSize)
	if err != nil {
		return nil, fmt.Errorf("root of workspace %s: %w", lineage, err)
	}
	r, err := DecodeRoot(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	if r.Lineage != lineage {
		return nil, fmt.Errorf("%s: names lineage %s, not the one of its key", key, r.Lineage)
	}
	return r, nil
}

// RootEntry is one object under roots/: its decoded root, or why it could
// not be decoded.
type RootEntry struct {
	Key     string
	Lineage string // "" when the key names no valid lineage
	Root    *Root  // nil when Err is set
	Err     error
}

// Roots lists every root in the store, sorted by lineage. A root that
// cannot be read or decoded is returned with its Err set, not skipped: gc
// must refuse to run past it, and gc -workspaces must show it.
func (s *Store) Roots(ctx context.Context) ([]RootEntry, error) {
	var keys []string
	err := s.o.List(ctx, rootPrefix, func(key string, _ int64) error {
		if !isTempKey(key) {
			keys = append(keys, key)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list roots: %w", err)
	}
	sort.Strings(keys)
	out := make([]RootEntry, 0, len(keys))
	for _, key := range keys {
		e := RootEntry{Key: key}
		lineage := strings.TrimPrefix(key, rootPrefix)
		if !ValidLineage(lineage) {
			e.Err = fmt.Errorf("%s: not a valid root key (the name after roots/ must be a lineage: letters, digits and dashes)", truncate(key, 120))
			out = append(out, e)
			continue
		}
		e.Lineage = lineage
		e.Root, e.Err = s.readRoot(ctx, key, lineage)
		if e.Err != nil && errors.Is(e.Err, ErrNotFound) {
			continue // removed since listed
		}
		if e.Err != nil && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		out = append(out, e)
	}
	return out, nil
}

// ForgetRoot deletes the root of lineage, so gc stops protecting what only
// that workspace referenced. The error wraps ErrNotFound when there is none.
func (s *Store) ForgetRoot(ctx context.Context, lineage string) error {
	if !ValidLineage(lineage) {
		return fmt.Errorf("workspace lineage %q is not valid (letters, digits and dashes, 1 to 64 of them)", truncate(lineage, 80))
	}
	key := rootKey(lineage)
	if _, err := s.o.Size(ctx, key); err != nil {
		return fmt.Errorf("forget workspace %s: %w", lineage, err)
	}
	if err := s.o.Delete(ctx, key); err != nil {
		return fmt.Errorf("forget workspace %s: %w", lineage, err)
	}
	return nil
}
