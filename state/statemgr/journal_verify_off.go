//go:build !mlformtest

package statemgr

// verifyAnnouncements: release builds trust announcements (journal_hint.go).
const verifyAnnouncements = false
