package cli

import (
	"fmt"
	"strings"
	"unicode"
)

// printable escapes control characters (other than newline and tab) in a
// message before it reaches the terminal. Errors quote file names, keys
// and trainer output that mlform does not control; an ESC sequence in a
// file name must not be able to rewrite the user's screen.
func printable(s string) string {
	if strings.IndexFunc(s, isHostile) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if isHostile(r) {
			fmt.Fprintf(&b, "\\x%02x", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isHostile(r rune) bool {
	return r != '\n' && r != '\t' && (unicode.IsControl(r) || r == unicode.ReplacementChar)
}
