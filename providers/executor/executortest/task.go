//go:build unix

package executortest

import (
	"os"
	"testing"
	"time"

	"github.com/mlform/mlform/providers/executor"
)

// HelperTask is a train task that runs this test binary as the helper in
// mode (with args), for a batch executor's own cluster tests beyond the
// conformance suite: a generous timeout (the cluster's own limits are
// what those tests look at) and a one-second grace.
func HelperTask(t testing.TB, model string, version int, mode string, args ...string) executor.Task {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return executor.Task{
		Model: model, Version: version, Step: executor.StepTrain,
		Command: append([]string{self}, args...),
		Env:     map[string]string{HelperEnv: mode},
		Timeout: 10 * time.Minute, Grace: time.Second,
	}
}
