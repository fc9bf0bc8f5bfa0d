package statemgr_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/mlform/mlform/state/statemgr"
)

// A lock whose holder process died on this host is reported as stale,
// with its age, holder and the command that clears it.
func TestStaleLockReported(t *testing.T) {
	dead := exec.Command(os.Args[0], "-test.run=^$")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	ctx := context.Background()
	m, err := statemgr.OpenManager(ctx, t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	created := time.Now().Add(-90 * time.Minute)
	if _, err := m.Lock(ctx, statemgr.LockInfo{Operation: "apply", Version: "0.1.0", Who: "ci@" + host,
		Host: host, PID: dead.Process.Pid, Created: created}, 0); err != nil {
		t.Fatal(err)
	}
	_, err = m.Lock(ctx, statemgr.LockInfo{Operation: "plan"}, 0)
	if err == nil {
		t.Fatal("second lock succeeded")
	}
	msg := err.Error()
	for _, want := range []string{"no longer running on this host: the lock is stale", "1h30m ago", "ci@" + host, "Operation: apply", "mlform force-unlock "} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
	// A live holder is not called stale.
	m2, _ := statemgr.OpenManager(ctx, t.TempDir(), "")
	if _, err := m2.Lock(ctx, statemgr.LockInfo{Operation: "apply"}, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := m2.Lock(ctx, statemgr.LockInfo{Operation: "plan"}, 0); err == nil || strings.Contains(err.Error(), "stale") {
		t.Errorf("live holder: %v", err)
	}
}

// Credentials in a backend URL never appear in errors.
func TestOpenManagerRedacts(t *testing.T) {
	for _, url := range []string{
		"mem://?token=hunter2secret",
		"azblob://user:hunter2secret@container?bad param",
		"ftp://user:hunter2secret@host/x",
	} {
		_, err := statemgr.OpenManager(context.Background(), url, t.TempDir())
		if err == nil {
			t.Errorf("OpenManager(%q) succeeded", url)
			continue
		}
		if strings.Contains(err.Error(), "hunter2secret") {
			t.Errorf("error leaks the secret: %v", err)
		}
	}
}
