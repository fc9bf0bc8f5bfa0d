//go:build mlformtest

package scripttest

// testHooksBuilt: this test binary's mlform reads the MLFORM_TEST_* hooks.
const testHooksBuilt = true
