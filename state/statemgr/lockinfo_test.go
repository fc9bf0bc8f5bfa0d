package statemgr_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/mlform/mlform/internal/wanterr"
	"github.com/mlform/mlform/state/statemgr"
)

func TestDecodeLockInfo(t *testing.T) {
	for _, tc := range []struct {
		name, in, err string
	}{
		{"ok", `{"id":"6f1c2a9e-4d7b-4b3e-9a51-0c8d2f7e1a44","operation":"apply","who":"a@b","version":"0.1.0","created":"2026-01-05T12:00:00Z","path":"/s","pid":3}`, ""},
		{"no id", `{"operation":"apply"}`, "lock id"},
		{"id with slash", `{"id":"../x"}`, "lock id"},
		{"long id", `{"id":"` + strings.Repeat("a", 65) + `"}`, "lock id"},
		{"escape in who", `{"id":"a","who":"x\u001b[2J"}`, "who is too long or contains control characters"},
		{"huge field", `{"id":"a","path":"` + strings.Repeat("p", 600) + `"}`, "path is too long"},
		{"negative pid", `{"id":"a","pid":-4}`, "negative"},
		{"not json", `lock`, "not valid JSON"},
		{"two objects", `{"id":"a"}{"id":"b"}`, "after its JSON"},
		{"bad time", `{"id":"a","created":"yesterday"}`, "not valid JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := statemgr.DecodeLockInfo([]byte(tc.in))
			wanterr.Check(t, err, tc.err)
		})
	}
}

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

func TestHolderRunning(t *testing.T) {
	dead := exec.Command(os.Args[0], "-test.run=^$")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	for _, tc := range []struct {
		name string
		info statemgr.LockInfo
		want string
	}{
		{"this process", statemgr.LockInfo{Host: host, PID: os.Getpid()}, statemgr.HolderRunning},
		{"exited process", statemgr.LockInfo{Host: host, PID: dead.Process.Pid}, statemgr.HolderGone},
		{"other host", statemgr.LockInfo{Host: host + "-elsewhere", PID: dead.Process.Pid}, statemgr.HolderUnknown},
		{"no pid", statemgr.LockInfo{Host: host}, statemgr.HolderUnknown},
	} {
		if got := tc.info.HolderRunning(); got != tc.want {
			t.Errorf("%s: HolderRunning = %s, want %s", tc.name, got, tc.want)
		}
	}
}
