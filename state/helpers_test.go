package state_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/zeebo/blake3"

	"github.com/mlform/mlform/state"
)

// resign encodes s without validating it and signs it, producing a
// document whose checksum is right and whose content is whatever s holds.
func resign(t *testing.T, s *state.State) []byte {
	t.Helper()
	s.Checksum = ""
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	return resignRaw(t, buf.Bytes())
}

// resignRaw fills in the checksum of a canonical-layout document.
func resignRaw(t *testing.T, doc []byte) []byte {
	t.Helper()
	doc = blankChecksum(doc)
	h := blake3.Sum256(doc)
	const key = "\n  \"checksum\": \""
	i := bytes.Index(doc, []byte(key+"\""))
	if i < 0 {
		t.Fatal("no blank checksum member")
	}
	at := i + len(key)
	return append(append(append([]byte{}, doc[:at]...), hex.EncodeToString(h[:])...), doc[at:]...)
}

// blankChecksum empties the checksum member.
func blankChecksum(doc []byte) []byte {
	const key = "\n  \"checksum\": \""
	i := bytes.Index(doc, []byte(key))
	if i < 0 {
		return doc
	}
	at := i + len(key)
	end := bytes.IndexByte(doc[at:], '"')
	return append(append([]byte{}, doc[:at]...), doc[at+end:]...)
}

func compact(t *testing.T, doc []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, doc); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// roundTrip encodes s, checks that the document is written as format (the
// oldest format holding the state), and decodes it again.
func roundTrip(t *testing.T, s *state.State, format int) *state.State {
	t.Helper()
	doc := encode(t, s)
	if !strings.Contains(string(doc), fmt.Sprintf(`"format_version": %d,`, format)) {
		t.Fatalf("the state is not written as format %d", format)
	}
	back, err := state.Decode(doc)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if back.FormatVersion != format {
		t.Fatalf("decoded format_version %d, want %d", back.FormatVersion, format)
	}
	return back
}
