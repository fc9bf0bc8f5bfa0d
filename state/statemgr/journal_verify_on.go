//go:build mlformtest

package statemgr

// verifyAnnouncements: test builds check every announced journaled write
// against a comparison of every entry (journal_hint.go).
const verifyAnnouncements = true
