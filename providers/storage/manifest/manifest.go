// Package manifest is the document that lists the files of one snapshot,
// model version or log set in a store: its model, its canonical encoding
// (whose BLAKE3 is the manifest's id) and the checks every manifest passes
// before it is stored and after it is read. It does no I/O; the store
// (package storage) writes and reads manifests as objects.
package manifest

import (
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/zeebo/blake3"

	"github.com/mlform/mlform/internal/hexid"
	"github.com/mlform/mlform/internal/relpath"
	"github.com/mlform/mlform/internal/strictjson"
	"github.com/mlform/mlform/internal/termtext"
)

// Manifest kinds used by mlform. Kind is free-form for the store, but must
// be a short identifier.
const (
	KindSnapshot  = "snapshot"
	KindArtifacts = "artifacts"
	KindLogs      = "logs"
)

// Manifest lists the files of one snapshot or version. Its id is the BLAKE3
// of its canonical encoding, so equal content always has the same id.
type Manifest struct {
	Kind  string            `json:"kind"`
	Files []File            `json:"files"`
	Meta  map[string]string `json:"meta,omitempty"`
}

// File is one stored file: its whole-content BLAKE3 (what users see and
// what reads verify) and the chunks that make it up, in order.
type File struct {
	Path   string  `json:"path"`
	Size   int64   `json:"size"`
	Hash   string  `json:"hash"`
	Mode   uint32  `json:"mode"`
	Chunks []Chunk `json:"chunks"`
}

// Chunk is one content-defined chunk, addressed by its BLAKE3.
type Chunk struct {
	ID   string `json:"id"`
	Size uint32 `json:"size"`
}

// Format is the format number inside every encoded manifest.
const Format = 1

// document is the on-store shape: a format number ahead of the content,
// so a future format is recognised and refused rather than misread.
type document struct {
	Format int               `json:"format"`
	Kind   string            `json:"kind"`
	Files  []File            `json:"files"`
	Meta   map[string]string `json:"meta,omitempty"`
}

// MaxSize bounds what a store will read and decode as a manifest (and as
// any other whole object).
const MaxSize = 1 << 30

// MaxChunkSize is the largest chunk a file may list: the store's chunker
// never cuts a larger one.
const MaxChunkSize = 4 << 20

// Encode returns the canonical encoding: files sorted by path, nil
// slices as empty arrays, map keys sorted (encoding/json sorts them), no
// insignificant whitespace. It does not validate.
func Encode(m *Manifest) []byte {
	doc := document{Format: Format, Kind: m.Kind, Files: m.Files, Meta: m.Meta}
	// The caller's slice is used as is when it needs no change (the usual
	// case: observations are sorted and every file has a chunk list).
	owned := false
	if !sortedPaths(doc.Files) {
		doc.Files, owned = slices.Clone(m.Files), true
		sort.SliceStable(doc.Files, func(i, j int) bool { return doc.Files[i].Path < doc.Files[j].Path })
	}
	if doc.Files == nil {
		doc.Files = []File{}
	}
	for i := range doc.Files {
		if doc.Files[i].Chunks == nil {
			if !owned {
				doc.Files, owned = slices.Clone(doc.Files), true
			}
			doc.Files[i].Chunks = []Chunk{}
		}
	}
	return appendDoc(make([]byte, 0, encodedSize(&doc)), &doc)
}

// ID returns the id of m: the BLAKE3 hex of its canonical encoding.
// The order of m.Files does not matter.
func ID(m *Manifest) string {
	sum := blake3.Sum256(Encode(m))
	return hex.EncodeToString(sum[:])
}

// Decode parses and validates an encoded manifest. The input is
// untrusted: every path, id and size is checked.
func Decode(data []byte) (*Manifest, error) {
	var doc document
	if err := strictjson.Unmarshal(data, &doc, strictjson.KnownFields); err != nil {
		return nil, fmt.Errorf("manifest is not valid: %w", err)
	}
	if doc.Format != Format {
		return nil, fmt.Errorf("manifest format %d is not supported (want %d)", doc.Format, Format)
	}
	m := &Manifest{Kind: doc.Kind, Files: doc.Files, Meta: doc.Meta}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	for i := 1; i < len(m.Files); i++ {
		if m.Files[i-1].Path >= m.Files[i].Path {
			return nil, fmt.Errorf("manifest files are not sorted by path at %q", m.Files[i].Path)
		}
	}
	return m, nil
}

// Validate checks a manifest before it is stored or after it is read: kind,
// clean relative paths that cannot escape a target directory, no duplicate
// paths and no file that is also a directory of another, valid ids, chunk
// sizes that add up, and permission-only modes.
func (m *Manifest) Validate() error {
	if !validKind(m.Kind) {
		return fmt.Errorf("manifest kind %q is not valid: want 1-64 characters of a-z, 0-9, '-', '_'", termtext.Truncate(m.Kind, 80))
	}
	for k, v := range m.Meta {
		if k == "" || !utf8.ValidString(k) || !utf8.ValidString(v) {
			return fmt.Errorf("manifest meta key %q: keys must be non-empty and keys and values valid UTF-8", termtext.Truncate(k, 80))
		}
	}
	paths := make([]string, 0, len(m.Files))
	for i := range m.Files {
		f := &m.Files[i]
		if err := relpath.Check(f.Path); err != nil {
			return fmt.Errorf("manifest file %d: %w", i, err)
		}
		if err := f.Validate(); err != nil {
			return fmt.Errorf("manifest file %q: %w", f.Path, err)
		}
		paths = append(paths, f.Path)
	}
	if !slices.IsSorted(paths) {
		sort.Strings(paths)
	}
	for i := 1; i < len(paths); i++ {
		if paths[i] == paths[i-1] {
			return fmt.Errorf("manifest lists %q twice", paths[i])
		}
	}
	// "a" and "a/b" cannot both be files. With sorted paths, every path
	// starting with "a" follows "a" in one run; "a/..." sorts after any
	// "a<c>" with c < '/' and before any with c > '/'.
	for i, p := range paths {
		if i+1 == len(paths) || !strings.HasPrefix(paths[i+1], p) {
			continue
		}
		switch c := paths[i+1][len(p)]; {
		case c == '/':
			return fmt.Errorf("manifest lists %q both as a file and as a directory of %q", p, paths[i+1])
		case c > '/':
			continue
		}
		j := i + 1 + sort.Search(len(paths)-i-1, func(k int) bool { return !lessThanDir(paths[i+1+k], p) })
		if j < len(paths) && strings.HasPrefix(paths[j], p) && len(paths[j]) > len(p) && paths[j][len(p)] == '/' {
			return fmt.Errorf("manifest lists %q both as a file and as a directory of %q", p, paths[j])
		}
	}
	return nil
}

// lessThanDir reports whether s < p+"/", without building p+"/".
func lessThanDir(s, p string) bool {
	if len(s) < len(p) || s[:len(p)] != p {
		return s < p
	}
	return len(s) == len(p) || s[len(p)] < '/'
}

func validKind(k string) bool {
	if len(k) == 0 || len(k) > 64 {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Validate checks one file's entry: its hash and chunk ids, a size its
// chunks add up to, and a permission-only mode.
func (f *File) Validate() error {
	if err := hexid.Check("file hash", f.Hash); err != nil {
		return err
	}
	if f.Size < 0 {
		return fmt.Errorf("negative size %d", f.Size)
	}
	if f.Mode&^0o777 != 0 {
		return fmt.Errorf("mode %#o has bits other than permissions", f.Mode)
	}
	var total int64
	for i, c := range f.Chunks {
		if err := hexid.Check("chunk", c.ID); err != nil {
			return fmt.Errorf("chunk %d: %w", i, err)
		}
		if c.Size == 0 || c.Size > MaxChunkSize {
			return fmt.Errorf("chunk %d (%s) has size %d, want 1..%d", i, c.ID, c.Size, MaxChunkSize)
		}
		total += int64(c.Size)
	}
	if total != f.Size {
		return fmt.Errorf("chunks add up to %d bytes but the file size is %d", total, f.Size)
	}
	if f.Size == 0 && f.Hash != EmptyHash {
		return fmt.Errorf("empty file with hash %s (the empty hash is %s)", f.Hash, EmptyHash)
	}
	return nil
}

// EmptyHash is the BLAKE3 of no bytes: the hash of every empty file.
const EmptyHash = "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"
