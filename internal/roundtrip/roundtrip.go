// Package roundtrip is the check every fuzz target of a document decoder
// makes: whatever the decoder accepts encodes again, and that encoding
// decodes. Written once here, each target adds only what is particular to
// its format (the values it must never accept, the fields that must
// survive).
package roundtrip

import "testing"

// Check decodes data. Input the decoder refuses is no failure: Check
// reports ok false and the target returns. What it accepts must encode,
// and that encoding must decode; either failing ends the test, naming
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
	return decoded, again, true
}
