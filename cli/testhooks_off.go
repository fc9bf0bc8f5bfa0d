//go:build !mlformtest

package cli

// readTestHooks returns no hooks: a release build ignores every
// MLFORM_TEST_* variable.
func readTestHooks(func(string) string) (testHooks, error) { return testHooks{}, nil }

// testEvent does nothing in a release build.
func (g *Globals) testEvent(string) {}
