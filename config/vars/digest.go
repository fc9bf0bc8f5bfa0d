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

// Digest hashes what a plan was made from: every configuration and
// variables file (name and content) and every effective variable value.
// Sensitive values enter only as their own hash, so the digest (which is
// written into plan files) reveals nothing a guess could confirm cheaply
// beyond equality.
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
		enc := encodeValue(val)
		if v.Sensitive {
			sum := blake3.Sum256(enc)
			enc = []byte("sensitive:" + hex.EncodeToString(sum[:]))
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
