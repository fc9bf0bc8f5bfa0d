// Package slurmtest tells tests whether the single-node Slurm test cluster
// is up. scripts/slurm/with-slurm.sh (which `make test` wraps around
// `go test`) starts it on 127.0.0.1 and exports SLURM_CONF and
// MLFORM_TEST_SLURM_NODE; when it cannot, it exports
// MLFORM_TEST_SLURM_UNAVAILABLE with the reason. Tests that need the
// cluster skip with one line saying why, unless
// MLFORM_REQUIRE_SLURM_TESTS=1 (CI), where that is a failure.
package slurmtest

import (
	"fmt"
	"os"
	"testing"
)

// RequireEnv names the variable that turns a missing cluster into a test
// failure instead of a skip.
const RequireEnv = "MLFORM_REQUIRE_SLURM_TESTS"

// Unavailable returns why the cluster cannot be used, or "" when it is up.
func Unavailable() string {
	if os.Getenv("MLFORM_TEST_SLURM_NODE") != "" && os.Getenv("SLURM_CONF") != "" {
		return ""
	}
	if reason := os.Getenv("MLFORM_TEST_SLURM_UNAVAILABLE"); reason != "" {
		return reason
	}
	return "slurm tests: no test cluster; run the tests through scripts/slurm/with-slurm.sh, as make test does"
}

// Need skips the test with one line when the cluster is not up, or fails
// it under MLFORM_REQUIRE_SLURM_TESTS=1. Call it once at the top of a
// suite so a missing cluster is one skip, not one per subtest.
func Need(t testing.TB) {
	t.Helper()
	if reason := Unavailable(); reason != "" {
		if os.Getenv(RequireEnv) == "1" {
			t.Fatalf("%s (%s=1: a cluster that cannot start is a failure)", reason, RequireEnv)
		}
		t.Skip(reason)
	}
}

// Node is the test cluster's node name.
func Node() string { return os.Getenv("MLFORM_TEST_SLURM_NODE") }

// Env lists the variables a child process (an mlform run in a testscript)
// needs to reach the cluster, as KEY=VALUE.
func Env() []string {
	var env []string
	for _, k := range []string{"SLURM_CONF", "MLFORM_TEST_SLURM_NODE"} {
		if v := os.Getenv(k); v != "" {
			env = append(env, fmt.Sprintf("%s=%s", k, v))
		}
	}
	return env
}
