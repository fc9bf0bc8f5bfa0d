// Package suggest picks the likely intended name for a misspelt one, for
// "Did you mean ...?" hints in config diagnostics and command errors.
package suggest

import "github.com/agext/levenshtein"

// Closest returns the candidate closest to given when it is close enough to
// be a likely typo, else "": an edit distance under 3 (Terraform's
// threshold) and at most half of given's length, so "foo" is not taken for
// "now". Ties go to the alphabetically first candidate, so hints are stable.
func Closest(given string, candidates []string) string {
	best, bestDist := "", min(3, len(given)/2+1)
	for _, c := range candidates {
		if d := levenshtein.Distance(given, c, nil); d < bestDist || (d == bestDist && best != "" && c < best) {
			best, bestDist = c, d
		}
	}
	return best
}
