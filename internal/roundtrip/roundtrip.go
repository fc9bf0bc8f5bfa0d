// Package roundtrip is the check every fuzz target of a document decoder
// makes: whatever the decoder accepts encodes again, that encoding
// decodes, and it encodes to the same bytes again. Written once here,
// each target adds only what is particular to its format (the values it
// must never accept, the fields that must survive).
package roundtrip

import (
	"bytes"
	"testing"
)

// Check decodes data. Input the decoder refuses is no failure: Check
// reports ok false and the target returns. What it accepts must encode,
// that encoding must decode, and what it decodes to must encode to the
// same bytes (a field the encoding loses or changes shows); any of these
// failing ends the test, naming
// what was decoded (a "spec", a "lock info", ...). Check returns the
// decoded value and the value decoded from its encoding, for the target's
// own comparisons:
//
//	f.Fuzz(func(t *testing.T, b []byte) {
//		s, _, ok := roundtrip.Check(t, "spec", b, DecodeSpec, EncodeSpec)
//		if !ok {
//			return
//		}
//		...
//	})
func Check[T any](t testing.TB, what string, data []byte, decode func([]byte) (T, error), encode func(T) ([]byte, error)) (decoded, again T, ok bool) {
	t.Helper()
	decoded, err := decode(data)
	if err != nil {
		return decoded, again, false
	}
	enc, err := encode(decoded)
	if err != nil {
		t.Fatalf("decoded %s does not encode: %v", what, err)
	}
	again, err = decode(enc)
	if err != nil {
		t.Fatalf("re-encoded %s does not decode: %v\n%s", what, err, enc)
	}
	enc2, err := encode(again)
	if err != nil || !bytes.Equal(enc2, enc) {
		t.Fatalf("re-encoded %s does not encode to the same bytes (%v):\n%s\n%s", what, err, enc, enc2)
	}
	return decoded, again, true
}
