// Package suggest picks the likely intended name for a misspelt one, for
// "Did you mean ...?" hints in config diagnostics and command errors.
package suggest

// Closest returns the candidate closest to given when it is close enough to
// be a likely typo, else "": an edit distance (swapping two neighbouring
// letters is one edit, the commonest typo) under 3 (Terraform's
// threshold) and at most half of given's length, so "foo" is not taken for
// "now". Ties go to the alphabetically first candidate, so hints are stable.
func Closest(given string, candidates []string) string {
	best, bestDist := "", min(3, len(given)/2+1)
	for _, c := range candidates {
		if d := distance(given, c); d < bestDist || (d == bestDist && best != "" && c < best) {
			best, bestDist = c, d
		}
	}
	return best
}

// distance is the optimal string alignment distance between a and b (in
// bytes): insertions, deletions, substitutions and transpositions of
// adjacent bytes each cost one.
func distance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
