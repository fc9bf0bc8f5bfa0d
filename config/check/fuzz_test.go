package check

import (
	"strings"
	"testing"
)

// FuzzParseDuration: never panics; accepted durations are consistent.
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"30m", "7d", "1d12h", "-1h", "99999999999d", "1.5d", "d", "0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil {
			if d != 0 {
				t.Fatalf("error with a duration %v", d)
			}
			return
		}
		if strings.TrimSpace(s) == "" {
			t.Fatal("empty duration accepted")
		}
	})
}

// FuzzRequiredVersion: constraint parsing never panics.
func FuzzRequiredVersion(f *testing.F) {
	for _, s := range []string{">= 0.1", "~> 1", "~> 0.1.2, != 0.1.5", "", ",", "~>", "= v1.2.3-rc1"} {
		f.Add(s, "0.1.0")
	}
	f.Fuzz(func(t *testing.T, constraint, running string) {
		_ = RequiredVersion(constraint, running)
	})
}
