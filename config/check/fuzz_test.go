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

// FuzzCron: schedule parsing never panics (the cron library does on some
// inputs), and an accepted schedule has a next time.
func FuzzCron(f *testing.F) {
	for _, s := range []string{"0 3 * * 1", "@daily", "@every 1h", "CRON_TZ=UTC", "TZ=Europe/Paris 0 3 * * *", "0 0 30 2 *", "CRON_TZ= ", "@every -1s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if Cron(s) != nil {
			return
		}
		if _, err := ParseCron(s); err != nil {
			t.Fatalf("Cron accepted %q but ParseCron: %v", s, err)
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
