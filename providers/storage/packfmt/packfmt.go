// Package packfmt is the binary format of a store's packs and index
// objects: a pack's trailer and footer (the pack's own index of its
// chunks), the store index object (chunk -> pack, offset, length), and the
// binary id they are both made of. It does no I/O; the store (package
// storage) writes and reads packs and index objects, and decodes them here
// from untrusted bytes. docs/store-format.md describes the format.
package packfmt

import (
	"encoding/hex"
	"fmt"

	"github.com/zeebo/blake3"

	"github.com/mlform/mlform/internal/hexid"
	"github.com/mlform/mlform/internal/termtext"
)

// ID is the binary form of a content id (a BLAKE3-256 digest): the id of a
// chunk or a pack in a trailer or an index object, and a compact map key.
type ID [32]byte

// String is the id in lowercase hex, as keys and manifests write it.
func (r ID) String() string { return hex.EncodeToString(r[:]) }

// Sum is the id of content: its BLAKE3.
func Sum(b []byte) ID { return blake3.Sum256(b) }

// ParseID parses an id in the lowercase hex form String writes.
func ParseID(s string) (ID, error) {
	var r ID
	if !hexid.Valid(s) {
		return r, fmt.Errorf("invalid id %q", termtext.Truncate(s, 80))
	}
	_, err := hex.Decode(r[:], []byte(s))
	return r, err
}
