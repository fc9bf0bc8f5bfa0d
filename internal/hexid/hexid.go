// Package hexid checks the lowercase hexadecimal ids mlform uses for
// content (BLAKE3 digests) in state, plans, manifests and caches.
package hexid

import (
	"fmt"

	"github.com/mlform/mlform/internal/termtext"
)

// IsLowerHex reports whether s is made only of '0'-'9' and 'a'-'f' (the
// empty string is). It is branch-free per byte: whether a random hex digit
// is a digit or a letter is unpredictable, and checking every id of a
// large manifest or plan with compare-and-branch code cost more than
// encoding it.
func IsLowerHex(s string) bool {
	const (
		digits  = 0x3ff << '0'       // bits '0'..'9' of bytes 0..63
		letters = 0x3f << ('a' - 64) // bits 'a'..'f' of bytes 64..127
	)
	var bad uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		m := uint64(digits)
		if c >= 64 {
			m = letters
		}
		bad |= ^(m>>(c&63))&1 | uint64(c>>7)
	}
	return bad == 0
}

// DigestLen is the length of a full content id: a BLAKE3-256 digest in
// lowercase hex.
const DigestLen = 64

// Valid reports whether s is a full-length lowercase hex id. Every id read
// from a manifest, index, pack trailer, root or cache passes through it
// before it becomes part of a key or a path, so none can escape its prefix.
func Valid(s string) bool {
	return len(s) == DigestLen && IsLowerHex(s)
}

// Check is Valid as an error naming what the id was for ("chunk", "root").
// The offending value is shortened: it may be huge.
func Check(what, s string) error {
	if !Valid(s) {
		return fmt.Errorf("invalid %s id %q: want %d lowercase hex characters", what, termtext.Truncate(s, 80), DigestLen)
	}
	return nil
}
