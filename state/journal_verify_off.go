//go:build !mlformtest

package state

// verifyAnnouncements: release builds trust announcements (journal_hint.go).
const verifyAnnouncements = false
