package scripttest

import (
	"fmt"
	"os"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/mlform/mlform/providers/executor/slurm/slurmtest"
)

// slurmenv gives the script what a user of the cluster has: SLURM_CONF
// and the node's name (as $SLURM_NODE), and /usr/sbin on PATH.
func cmdSlurmenv(ts *testscript.TestScript, neg bool, args []string) {
	if reason := slurmtest.Unavailable(); reason != "" {
		ts.Fatalf("%s (guard the script with [!slurm] skip)", reason)
	}
	for _, kv := range slurmtest.Env() {
		k, v, _ := strings.Cut(kv, "=")
		ts.Setenv(k, v)
	}
	ts.Setenv("SLURM_NODE", slurmtest.Node())
	ts.Setenv("PATH", ts.Getenv("PATH")+":/usr/sbin:/sbin")
}

// slurmCondition answers [slurm]: whether the test cluster is up. Under
// MLFORM_REQUIRE_SLURM_TESTS=1 a missing cluster is an error, never a skip.
func slurmCondition() (bool, error) {
	return clusterCondition(slurmtest.Unavailable(), slurmtest.RequireEnv)
}

// clusterCondition answers a test cluster's condition from why it is
// unavailable ("" when it is up): false, or under requireEnv=1 an error.
func clusterCondition(reason, requireEnv string) (bool, error) {
	if reason == "" {
		return true, nil
	}
	if os.Getenv(requireEnv) == "1" {
		return false, fmt.Errorf("%s (%s=1)", reason, requireEnv)
	}
	return false, nil
}
