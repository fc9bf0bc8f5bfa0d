// Package envname holds the one rule for the names of environment
// variables mlform hands to a step: the portable shell names,
// [A-Za-z_][A-Za-z0-9_]*, at most 256 bytes. The configuration refuses
// others at validate, and a batch executor's runner refuses them in a
// step spec; Kubernetes and Slurm could not pass them on (a Secret's keys
// hold no spaces, a shell's names no dots).
package envname

// MaxLen bounds a name.
const MaxLen = 256

// Valid reports whether k is a portable environment variable name.
func Valid(k string) bool {
	if k == "" || len(k) > MaxLen {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c == '_' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}
