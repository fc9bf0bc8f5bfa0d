package whoami

import (
	"strings"
	"testing"
)

func TestUserAtHost(t *testing.T) {
	got := UserAtHost()
	user, host, ok := strings.Cut(got, "@")
	if !ok || user == "" || host == "" || user != User() || host != Host() {
		t.Fatalf("UserAtHost() = %q, want User()@Host() = %q@%q", got, User(), Host())
	}
	if strings.ContainsAny(got, "\n\t ") {
		t.Fatalf("UserAtHost() = %q contains whitespace", got)
	}
}
