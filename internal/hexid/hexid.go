// Package hexid checks the lowercase hexadecimal ids mlform uses for
// content (BLAKE3 digests) in state, plans, manifests and caches.
package hexid

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
