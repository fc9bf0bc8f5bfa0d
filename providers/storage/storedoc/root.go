// Package storedoc encodes and checks the small JSON documents a store keeps
// beside its content: its config (format, hash, chunker), roots (what one
// workspace references) and lock holders. Everything read from a bucket is untrusted (anyone with write
// access may have put it there), so decoders bound sizes and check every
// field before a value becomes part of a key or a message.
package storedoc

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zeebo/blake3"

	"github.com/mlform/mlform/internal/hexid"
	"github.com/mlform/mlform/internal/strictjson"
	"github.com/mlform/mlform/internal/termtext"
)

// RootFormat is the format version written in every root; a root of a newer
// format is refused (gc cannot know what it protects).
const RootFormat = 1

// rootKind marks a root object, so a stray JSON file is not mistaken for one.
const rootKind = "mlform-store-root"

// MaxRootSize bounds a root object read from the store: about a million
// ids, far more than any state references.
const MaxRootSize = 64 << 20

// maxRootField bounds the descriptive text fields of a root.
const maxRootField = 1024

// Root is one workspace's record in a store.
type Root struct {
	// Lineage is the workspace's state lineage. A workspace's root is
	// named by WorkspaceRootName; other roots (a remote step's, and those
	// of older mlform versions) are named by their lineage alone.
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
	// Checksum is the BLAKE3 (hex) of the document's canonical encoding
	// (json.Marshal of this struct) with Checksum empty. A root is the
	// only thing that protects another workspace's data from a gc, and
	// one changed hex digit in an id still decodes: without it, such a
	// root would silently stop protecting that id. Roots written before
	// it have none and are read as before.
	Checksum string `json:"checksum,omitempty"`
}

// rootChecksum is the checksum of doc's content (its Checksum ignored).
func rootChecksum(doc rootDoc) (string, error) {
	doc.Checksum = ""
	b, err := json.Marshal(doc)
	if err != nil {
		return "", err
	}
	sum := blake3.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
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

// WorkspaceRootName is the name (the key after roots/) of the root a
// workspace writes for its storage block named store: its lineage, a dash
// and the first 16 hex digits of the BLAKE3 of its state backend's location
// and the block's name. A lineage alone does not name one workspace: a
// copied workspace directory, a state pushed or migrated to another
// backend, carries its lineage along, and two states of one lineage
// writing one root object would each overwrite what the other protects.
// Nor does a workspace have one root per store: two of its storage blocks
// may name one store (two spellings of a URL), and each block's root must
// not replace the other's. A lineage is a 36-character UUID, so the name
// stays within ValidLineage.
func WorkspaceRootName(lineage, backend, store string) string {
	sum := blake3.Sum256([]byte(backend + "\n" + store))
	return lineage + "-" + hex.EncodeToString(sum[:8])
}

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
	sum, err := rootChecksum(doc)
	if err != nil {
		return nil, fmt.Errorf("encode root: %w", err)
	}
	doc.Checksum = sum
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
	var doc rootDoc
	if err := strictjson.Decode(b, MaxRootSize, &doc, "root"); err != nil {
		return nil, err
	}
	if doc.Kind != rootKind {
		return nil, fmt.Errorf("not an mlform store root (kind %q)", termtext.Truncate(doc.Kind, 40))
	}
	if doc.Format != RootFormat {
		return nil, fmt.Errorf("root format %d is not supported by this mlform (it reads format %d): upgrade mlform", doc.Format, RootFormat)
	}
	if err := doc.validate(); err != nil {
		return nil, err
	}
	if doc.Checksum != "" {
		sum, err := rootChecksum(doc)
		if err != nil {
			return nil, err
		}
		if sum != doc.Checksum {
			return nil, errors.New("root checksum mismatch: its content was changed or damaged after it was written, so what it protects is unknown")
		}
	}
	return &Root{Lineage: doc.Lineage, Backend: doc.Backend, Host: doc.Host, Written: doc.Written, Serial: doc.Serial, IDs: doc.IDs}, nil
}

func (d *rootDoc) validate() error {
	if !ValidLineage(d.Lineage) {
		return fmt.Errorf("root lineage %q is not valid (letters, digits and dashes, 1 to 64 of them)", termtext.Truncate(d.Lineage, 80))
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
		if err := hexid.Check("root", id); err != nil {
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
