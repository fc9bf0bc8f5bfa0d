//go:build mlformtest

package engine

// verifyRootIndex: test builds check every incremental update of the store
// roots' references against a rebuild from the whole state
// (storeroots.go).
const verifyRootIndex = true
