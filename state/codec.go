package state

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/zeebo/blake3"

	"github.com/mlform/mlform/internal/textfmt"
)

// New returns an empty State for a workspace that has none yet: the current
// format, a fresh lineage, serial 0 and empty (never nil) maps.
func New() *State {
	return &State{
		FormatVersion: FormatVersion,
		Lineage:       uuid.NewString(),
		Datasets:      map[string]*Dataset{},
		Models:        map[string]*Model{},
		Policies:      map[string]*Policy{},
	}
}

// Encode returns the canonical document for s: indented JSON with map keys
// sorted and the checksum filled in. The same content always encodes to the
// same bytes, which is what lets Write compare states and Decode verify
// them. Encode fills nil maps and slices of s with empty ones and sets
// s.Checksum; it refuses a state that Decode would refuse.
func Encode(s *State) ([]byte, error) {
	if s == nil {
		return nil, errors.New("encode state: nil state")
	}
	s.Normalize()
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("encode state: %w", err)
	}
	s.Checksum = ""
	body, err := marshal(s)
	if err != nil {
		return nil, fmt.Errorf("encode state: %w", err)
	}
	sum := checksum(body)
	out, err := setChecksum(body, sum)
	if err != nil {
		return nil, fmt.Errorf("encode state: %w", err)
	}
	s.Checksum = sum
	return out, nil
}

// marshal is the one JSON encoding every state document goes through.
func marshal(s *State) ([]byte, error) {
	var buf bytes.Buffer
	if err := textfmt.WriteJSON(&buf, s); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// checksumKey is how the checksum member looks in an encoded document. It
// is a top-level member, so it is the only occurrence at two spaces of
// indentation: nested members are indented deeper, and JSON strings cannot
// contain a raw newline.
const checksumKey = "\n  \"checksum\": \""

// checksumLen is the length of a BLAKE3-256 hex digest.
const checksumLen = 64

// checksum is the BLAKE3-256 hex digest of a document whose checksum
// member is empty.
func checksum(doc []byte) string {
	h := blake3.Sum256(doc)
	return hex.EncodeToString(h[:])
}

// setChecksum writes sum into the empty checksum member of doc.
func setChecksum(doc []byte, sum string) ([]byte, error) {
	i := bytes.Index(doc, []byte(checksumKey+"\""))
	if i < 0 {
		return nil, errors.New("internal error: checksum member not found in encoded state")
	}
	at := i + len(checksumKey)
	out := make([]byte, 0, len(doc)+len(sum))
	out = append(out, doc[:at]...)
	out = append(out, sum...)
	out = append(out, doc[at:]...)
	return out, nil
}

// splitChecksum finds the checksum member of an encoded document and
// returns its value and the document with the value blanked, which is what
// the checksum covers. found is false when the document has no checksum
// member in the canonical layout.
func splitChecksum(doc []byte) (sum string, blanked []byte, found bool) {
	i := bytes.Index(doc, []byte(checksumKey))
	if i < 0 {
		return "", nil, false
	}
	at := i + len(checksumKey)
	end := bytes.IndexByte(doc[at:], '"')
	if end < 0 {
		return "", nil, false
	}
	sum = string(doc[at : at+end])
	blanked = make([]byte, 0, len(doc)-end)
	blanked = append(blanked, doc[:at]...)
	blanked = append(blanked, doc[at+end:]...)
	return sum, blanked, true
}
