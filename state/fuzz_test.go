package state_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/mlform/mlform/state"
	"github.com/mlform/mlform/state/statesample"
)

// FuzzDecode feeds arbitrary bytes to Decode and DecodeUnsigned. Whatever
// they accept must be a state every reader can use without checks: valid,
// and re-encoding to a document Decode accepts again with equal content.
//
// Its seeds are small documents on purpose. The fuzzer minimizes every
// input that finds new coverage, trying to drop each byte and then each
// span of bytes: work that grows with the square of the input's length,
// up to -fuzzminimizetime (a minute) per input. Mutants of the
// several-kilobyte Sample document kept both workers minimizing, at a few
// executions a second. The Sample documents get the same checks in
// TestDecodeSampleDocuments; the seeds below reach the same paths (a signed
// document, a truncated one, one from a newer format, unsigned ones that
// reach validation) at a few hundred bytes each.
func FuzzDecode(f *testing.F) {
	empty, err := state.Encode(state.New())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(empty)
	f.Add(empty[:len(empty)/2])
	f.Add(bytes.Replace(empty, []byte(`"format_version": 1`), []byte(`"format_version": 9`), 1))
	f.Add([]byte(`{"format_version":1,"lineage":"6f1c2a9e-4d7b-4b3e-9a51-0c8d2f7e1a44","checksum":"","datasets":{"a":null}}`))
	f.Add([]byte(`{"format_version":1,"lineage":"6f1c2a9e-4d7b-4b3e-9a51-0c8d2f7e1a44","checksum":"","models":{"m":{"name":"m","next_version":2,"versions":[{"version":1,"status":"failed"}],"aliases":{"a":{"name":"a","version":1}}}}}`))
	f.Add([]byte(`{"format_version":2,"lineage":"6f1c2a9e-4d7b-4b3e-9a51-0c8d2f7e1a44","checksum":"","retained_snapshots":{"d":{"name":"d","snapshots":[{"id":"72f28763","store":"default"}]}}}`))
	f.Add([]byte(`{"format_version":7,"lineage":"6f1c2a9e-4d7b-4b3e-9a51-0c8d2f7e1a44","checksum":"","stores":{"default":{"url":"file://.mlform/store"},"s":{"url":"sensitive:` + strings.Repeat("ab", 32) + `"}}}`))
	f.Fuzz(checkDecode)
}

// TestDecodeSampleDocuments runs FuzzDecode's checks on full-size
// documents: the Sample state, its first half, and it from a newer format.
func TestDecodeSampleDocuments(t *testing.T) {
	sample := statesample.Sample()
	good, err := state.Encode(sample)
	if err != nil {
		t.Fatal(err)
	}
	unsigned := bytes.Replace(good, []byte(sample.Checksum), nil, 1)
	if sample.Checksum == "" || bytes.Equal(unsigned, good) {
		t.Fatal("no checksum to blank in the Sample document")
	}
	for _, c := range []struct {
		name    string
		doc     []byte
		decodes bool // by DecodeUnsigned, so checkDecode checks the state
	}{
		{"sample", good, true},
		{"unsigned", unsigned, true},
		{"half", good[:len(good)/2], false},
		{"newer", bytes.Replace(good, []byte(`"format_version": 1`), []byte(`"format_version": 9`), 1), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := state.DecodeUnsigned(c.doc); (err == nil) != c.decodes {
				t.Fatalf("DecodeUnsigned: %v, want success %t", err, c.decodes)
			}
			checkDecode(t, c.doc)
		})
	}
}

// checkDecode is FuzzDecode's check of one document.
func checkDecode(t *testing.T, doc []byte) {
	for _, decode := range []func([]byte) (*state.State, error){state.Decode, state.DecodeUnsigned} {
		s, err := decode(doc)
		if err != nil {
			if s != nil {
				t.Fatal("error with a non-nil state")
			}
			continue
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("decoded state is invalid: %v", err)
		}
		// Exercise what readers do with a state: nothing may panic.
		for _, a := range s.Addresses() {
			if _, err := s.Lookup(a); err != nil {
				t.Fatalf("listed address %s does not resolve: %v", a, err)
			}
			if _, err := state.ParseAddress(a.String()); err != nil {
				t.Fatalf("listed address %s does not parse: %v", a, err)
			}
		}
		enc, err := state.Encode(s)
		if err != nil {
			t.Fatalf("decoded state does not encode: %v", err)
		}
		again, err := state.Decode(enc)
		if err != nil {
			t.Fatalf("re-encoded state does not decode: %v\n%s", err, enc)
		}
		if enc2, _ := state.Encode(again); !bytes.Equal(enc, enc2) {
			t.Fatalf("encoding is not stable:\n%s\nvs\n%s", enc, enc2)
		}
	}
}

// FuzzParseAddress: an accepted address prints back as itself and names
// only identifiers and positive versions.
func FuzzParseAddress(f *testing.F) {
	for _, s := range []string{"dataset.churn", "model.churn", "model.churn@7", "model.churn@production", "model.a@", "x.y", "model.@1", "model.a@01", "dataset.d@72F28763", "dataset.d@72f2876", "dataset.d@", `model.churn["eu"]@3`, `dataset.s[0]@72f28763`, `model.c[eu]`, `model.c["a/b"]@prod`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := state.ParseAddress(s)
		if err != nil {
			return
		}
		again, err := state.ParseAddress(a.String())
		if err != nil || again != a {
			t.Fatalf("%q parsed as %+v, which prints as %q and parses as %+v (%v)", s, a, a.String(), again, err)
		}
		// A name may become a directory name: never a separator or dot.
		if !state.IsName(a.Name) || strings.ContainsAny(a.Name, "/\\.@\x00") || (a.Kind == state.AddrVersion && a.Version < 1) || (a.Kind == state.AddrAlias && !state.IsIdentifier(a.Alias)) ||
			(a.Kind == state.AddrSnapshot && !state.IsID(a.Snapshot)) {
			t.Fatalf("%q parsed as invalid %+v", s, a)
		}
	})
}
