package raceflag

import (
	"runtime/debug"
	"testing"
)

// TestEnabledMatchesBuild: Enabled agrees with the -race setting the Go
// toolchain records in the test binary's build information.
func TestEnabledMatchesBuild(t *testing.T) {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		t.Skip("no build information in this binary")
	}
	race := false
	for _, s := range info.Settings {
		if s.Key == "-race" {
			race = s.Value == "true"
		}
	}
	if Enabled != race {
		t.Errorf("Enabled = %v, but the binary's build setting -race is %v", Enabled, race)
	}
}
