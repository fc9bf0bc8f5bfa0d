//go:build !mlformtest

package engine

// verifyRootIndex: release builds trust the announcements a write carries
// (storeroots.go); RootWriter.Finish still checks once against the whole
// state.
const verifyRootIndex = false
