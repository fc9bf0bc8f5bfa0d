package vars

import (
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
	"github.com/zeebo/blake3"
)

// Digest hashes what a plan was made from: every configuration file (name
// and content) and every effective variable value. Variables files are
// left out: what they set is in the values (so apply of a saved plan needs
// neither the plan's -var-file nor its *.mlfvars, as for -var), and their
// text may hold a secret. A sensitive value enters only as a marker, never
// as its text or an unsalted hash of it: the digest is written into plan
// files and `plan -json`, and a hash of a guessable secret there would let
// anyone confirm a guess with one BLAKE3 call, defeating the plan file's
// salted Argon2id hash. Apply checks a sensitive value against that hash
// (planner.CheckVariables) before it compares digests.
func Digest(files map[string][]byte, vars map[string]*Variable) string {
	h := blake3.New()
	digestTo(h, files, vars)
	return hex.EncodeToString(h.Sum(nil))
}

// digestTo writes the digest's input to w.
func digestTo(h io.Writer, files map[string][]byte, vars map[string]*Variable) {
	names := slices.Sorted(maps.Keys(files))
	for _, n := range names {
		fmt.Fprintf(h, "file %d:%s %d\n", len(n), n, len(files[n]))
		_, _ = h.Write(files[n])
	}
	for _, name := range slices.Sorted(maps.Keys(vars)) {
		v := vars[name]
		val := v.Value
		if val == cty.NilVal {
			val = cty.DynamicVal
		}
		val, _ = val.UnmarkDeep()
		enc := []byte("sensitive")
		if !v.Sensitive {
			enc = encodeValue(val)
		}
		fmt.Fprintf(h, "var %d:%s %d\n", len(name), name, len(enc))
		_, _ = h.Write(enc)
	}
}

// encodeValue is a deterministic encoding of a value and its type.
func encodeValue(v cty.Value) []byte {
	if !v.IsWhollyKnown() {
		return []byte("unknown")
	}
	ty, err := ctyjson.MarshalType(v.Type())
	if err != nil {
		return []byte("unencodable")
	}
	val, err := ctyjson.Marshal(v, v.Type())
	if err != nil {
		return []byte("unencodable")
	}
	return append(append(ty, ' '), val...)
}
