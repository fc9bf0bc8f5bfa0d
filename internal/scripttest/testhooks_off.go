//go:build !mlformtest

package scripttest

// testHooksBuilt: without the mlformtest tag, mlform ignores the
// MLFORM_TEST_* hooks, so scripts that need them skip ([!testhooks]).
const testHooksBuilt = false
