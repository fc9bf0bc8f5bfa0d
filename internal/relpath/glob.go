package relpath

import (
	"errors"
	"fmt"
	"strings"
)

// MaxGlobAlternatives bounds what one pattern's brace alternatives expand
// to ("{a,b}{c,d}" is 4 patterns; ten such pairs would be 1,024), and
// maxGlobBraces the brace groups in one pattern, so expanding one is
// bounded work.
const (
	MaxGlobAlternatives = 256
	maxGlobBraces       = 64
)

// ExpandGlob returns the patterns a doublestar glob's brace alternatives
// stand for: "{./a,b}/**" is "./a/**" and "b/**", "*.{csv,tsv}" is
// "*.csv" and "*.tsv", nested braces and empty alternatives included
// ("x{y{z,},}" is "xyz", "xy" and "x"). Matching a path against the
// pattern is matching it against any of these (that is how doublestar
// reads "{...}"), so each can be checked and cleaned (CleanGlob) as a path
// on its own: cleaning the pattern whole would leave "./a" inside braces,
// an alternative that matches no path. Escaped braces ("\{") and braces in
// a character class ("[{]") are literal, as doublestar reads them. A
// pattern without alternatives is returned as it is. p must be a valid
// pattern (doublestar.ValidatePattern); the error says it expands to more
// than MaxGlobAlternatives patterns, holds an empty group "{}", or would
// join two "*" into "**".
func ExpandGlob(p string) ([]string, error) {
	braces := 0
	for rest := p; ; {
		i := indexAlt(rest)
		if i < 0 {
			break
		}
		if braces++; braces > maxGlobBraces {
			return nil, fmt.Errorf("it has more than %d brace groups", maxGlobBraces)
		}
		rest = rest[i+1:]
		if rest != "" && rest[0] == '}' {
			// doublestar reads "{}" neither as nothing nor as one empty
			// alternative ("0*{}" does not match "0", "**{}" matches "/").
			return nil, fmt.Errorf(`it has an empty brace group "{}" (leave it out, or write \{\} for the braces themselves)`)
		}
	}
	var out []string
	seen := map[string]bool{}
	emitted := 0
	err := expandInto(p, "", func(s string) error {
		// Counted before duplicates are dropped: "{a,a}{a,a}..." is as
		// much work as any other expansion.
		if emitted++; emitted > MaxGlobAlternatives {
			return fmt.Errorf("its brace alternatives stand for more than %d patterns", MaxGlobAlternatives)
		}
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// errJoinedStars: an expansion put two "*" side by side, which doublestar
// would read as "**" (any depth) where the pattern meant two "*" in one
// name ("*{*}" matches within one name; "**" does not).
var errJoinedStars = errors.New(`its brace alternatives put two "*" side by side, which would read as "**" (write "**" or one "*" outside the braces)`)

// joinsStars reports whether a ends in an unescaped "*" and b starts with
// one.
func joinsStars(a, b string) bool {
	if !strings.HasSuffix(a, "*") || !strings.HasPrefix(b, "*") {
		return false
	}
	slashes := len(a) - 1 - len(strings.TrimRight(a[:len(a)-1], `\`))
	return slashes%2 == 0
}

// expandInto calls emit with prefix + each expansion of p, in order.
func expandInto(p, prefix string, emit func(string) error) error {
	open := indexAlt(p)
	if open < 0 {
		if joinsStars(prefix, p) {
			return errJoinedStars
		}
		return emit(prefix + p)
	}
	end := open + 1 + closingAlt(p[open+1:])
	if end <= open { // unbalanced: not a valid pattern; leave it whole
		return emit(prefix + p)
	}
	head, body, tail := p[:open], p[open+1:end], p[end+1:]
	for {
		comma := nextAlt(body)
		alt := body
		if comma >= 0 {
			alt = body[:comma]
		}
		// An alternative can hold braces of its own; what follows the
		// group is expanded after each of its expansions.
		if err := expandInto(alt, "", func(a string) error {
			if joinsStars(prefix+head, a) {
				return errJoinedStars
			}
			return expandInto(tail, prefix+head+a, emit)
		}); err != nil {
			return err
		}
		if comma < 0 {
			return nil
		}
		body = body[comma+1:]
	}
}

// skipClass returns the index of the "]" closing the character class that
// opens at s[i] == '[' (len(s) when it does not close), the way doublestar
// skips one when it looks for a brace: escapes skip a byte.
func skipClass(s string, i int) int {
	for i++; i < len(s); i++ {
		if s[i] == '\\' {
			i++
		} else if s[i] == ']' {
			return i
		}
	}
	return len(s)
}

// indexAlt returns the index of the first "{" of s outside escapes and
// character classes, or -1.
func indexAlt(s string) int {
	return scanAlt(s, func(c byte, _ int) bool { return c == '{' })
}

// closingAlt returns the index in s of the "}" closing a "{" just before
// s, or -1.
func closingAlt(s string) int {
	return scanAlt(s, func(c byte, depth int) bool { return c == '}' && depth == 0 })
}

// nextAlt returns the index in s (the inside of one "{...}") of the first
// "," separating its alternatives, or -1.
func nextAlt(s string) int {
	return scanAlt(s, func(c byte, depth int) bool { return c == ',' && depth == 0 })
}

// scanAlt returns the index of the first byte c of s, outside escapes and
// character classes, for which stop(c, depth) holds, depth being how many
// "{" of s are open before c; or -1.
func scanAlt(s string, stop func(c byte, depth int) bool) int {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			i++
		case c == '[':
			i = skipClass(s, i)
		case stop(c, depth):
			return i
		case c == '{':
			depth++
		case c == '}':
			depth--
		}
	}
	return -1
}
