package textfmt

import (
	"fmt"
	"strconv"
	"strings"
)

// Count is n followed by noun, in the plural unless n is 1: "1 file",
// "0 snapshots", "3 unreferenced manifests", "2 policies". The plural is
// the regular English one of the last word ("-s", "-es" after s, x, z,
// ch and sh, "-ies" after a consonant and y); use CountAs for a noun
// that does not follow it. Every "N things" that mlform prints goes
// through here, so none reads "1 files" or "0 snapshot".
func Count(n int, noun string) string {
	if n == 1 || n == -1 {
		return strconv.Itoa(n) + " " + noun
	}
	return strconv.Itoa(n) + " " + Plural(noun)
}

// CountAs is Count with an explicit plural: CountAs(2, "forgotten",
// "forgotten").
func CountAs(n int, one, many string) string {
	if n == 1 || n == -1 {
		return strconv.Itoa(n) + " " + one
	}
	return strconv.Itoa(n) + " " + many
}

// Plural is the regular English plural of noun's last word.
func Plural(noun string) string {
	if noun == "" {
		return noun
	}
	lower := strings.ToLower(noun)
	switch {
	case strings.HasSuffix(lower, "s"), strings.HasSuffix(lower, "x"), strings.HasSuffix(lower, "z"),
		strings.HasSuffix(lower, "ch"), strings.HasSuffix(lower, "sh"):
		return noun + "es"
	case len(lower) >= 2 && lower[len(lower)-1] == 'y' && !strings.ContainsRune("aeiou", rune(lower[len(lower)-2])):
		return noun[:len(noun)-1] + "ies"
	}
	return noun + "s"
}

// Names joins names with ", ", at most max of them: a fleet has thousands,
// and an error that lists them all is a page of text. The rest are
// counted: "a, b and 998 more".
func Names(names []string, max int) string {
	if len(names) <= max {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:max], ", "), len(names)-max)
}

// Chain joins the steps of a path (a reference cycle) with " -> ", at
// most max of them: a generated configuration can hold a cycle of
// thousands. The last step is kept, so a cycle is still seen to close:
// "a -> b -> … 998 more … -> a".
func Chain(steps []string, max int) string {
	if len(steps) <= max+1 {
		return strings.Join(steps, " -> ")
	}
	return fmt.Sprintf("%s -> … %d more … -> %s", strings.Join(steps[:max], " -> "), len(steps)-max-1, steps[len(steps)-1])
}

// MaxNames is how many names an error lists (Names).
const MaxNames = 20
