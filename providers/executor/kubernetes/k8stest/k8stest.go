// Package k8stest tells tests whether the Kubernetes test control plane is
// up. scripts/k8s/with-k8s.sh (which `make test` wraps around `go test`)
// starts etcd, the API server, controller manager, scheduler and a
// virtual-kubelet node on 127.0.0.1 and exports MLFORM_TEST_KUBECONFIG
// and MLFORM_TEST_K8S_NODE; when it cannot, it exports
// MLFORM_TEST_K8S_UNAVAILABLE with the reason. Tests that need the plane
// skip with one line saying why, unless MLFORM_REQUIRE_K8S_TESTS=1 (CI),
// where that is a failure.
package k8stest

import (
	"os"
	"testing"
)

// RequireEnv names the variable that turns a missing plane into a test
// failure instead of a skip.
const RequireEnv = "MLFORM_REQUIRE_K8S_TESTS"

// Unavailable returns why the plane cannot be used, or "" when it is up.
func Unavailable() string {
	if Kubeconfig() != "" {
		return ""
	}
	if reason := os.Getenv("MLFORM_TEST_K8S_UNAVAILABLE"); reason != "" {
		return reason
	}
	return "k8s tests: no test control plane; run the tests through scripts/k8s/with-k8s.sh, as make test does"
}

// Need skips the test with one line when the plane is not up, or fails it
// under MLFORM_REQUIRE_K8S_TESTS=1, and returns the admin kubeconfig's
// path. Call it once at the top of a suite so a missing plane is one
// skip, not one per subtest.
func Need(t testing.TB) string {
	t.Helper()
	if reason := Unavailable(); reason != "" {
		if os.Getenv(RequireEnv) == "1" {
			t.Fatalf("%s (%s=1: a plane that cannot start is a failure)", reason, RequireEnv)
		}
		t.Skip(reason)
	}
	return Kubeconfig()
}

// Kubeconfig is the path of the test plane's admin kubeconfig ("" when
// there is no plane).
func Kubeconfig() string { return os.Getenv("MLFORM_TEST_KUBECONFIG") }

// Node is the test plane's node name.
func Node() string { return os.Getenv("MLFORM_TEST_K8S_NODE") }
