// Package whoami names who and where mlform runs, for lock holders, alias
// moves and version records: the one place these fall-backs are decided.
package whoami

import (
	"os"
	"os/user"
)

// User is the current user's login name: the account's, else $USER, else
// "unknown".
func User() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if v := os.Getenv("USER"); v != "" {
		return v
	}
	return "unknown"
}

// Host is this machine's host name, or "unknown-host" when it has none.
func Host() string {
	if h, err := os.Hostname(); err == nil && h != "" {
		return h
	}
	return "unknown-host"
}

// UserAtHost is "user@host".
func UserAtHost() string { return User() + "@" + Host() }
