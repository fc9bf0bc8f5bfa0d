package lockinfo

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/mlform/mlform/internal/roundtrip"
	"github.com/mlform/mlform/internal/wanterr"
)

func TestDecode(t *testing.T) {
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
			_, err := Decode([]byte(tc.in))
			wanterr.Check(t, err, tc.err)
		})
	}
}

func TestAge(t *testing.T) {
	for _, tc := range []struct {
		ago  time.Duration
		want string
	}{
		{-time.Hour, "0s"},
		{3*time.Minute + 12*time.Second, "3m12s"},
		{5*time.Hour + 4*time.Minute, "5h4m"},
		{12*24*time.Hour + 3*time.Hour + 10*time.Minute, "12d3h"},
	} {
		if got := age(time.Now().Add(-tc.ago)); got != tc.want {
			t.Errorf("age(%s ago) = %q, want %q", tc.ago, got, tc.want)
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
		info Info
		want string
	}{
		{"this process", Info{Host: host, PID: os.Getpid()}, HolderRunning},
		{"exited process", Info{Host: host, PID: dead.Process.Pid}, HolderGone},
		{"other host", Info{Host: host + "-elsewhere", PID: dead.Process.Pid}, HolderUnknown},
		{"no pid", Info{Host: host}, HolderUnknown},
	} {
		if got := tc.info.HolderRunning(); got != tc.want {
			t.Errorf("%s: HolderRunning = %s, want %s", tc.name, got, tc.want)
		}
	}
}

// FuzzDecode feeds arbitrary bytes to the lock object decoder: what
// it accepts must be printable and re-encode to an equal lock.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"id":"6f1c2a9e-4d7b-4b3e-9a51-0c8d2f7e1a44","operation":"apply","who":"a@b","version":"0.1.0","created":"2026-01-05T12:00:00Z","path":"/x/state.json","host":"b","pid":42}`))
	f.Add([]byte(`{"id":"x\u0007"}`))
	f.Add([]byte(`{"id":"a","pid":-1}`))
	f.Add([]byte("\x00garbage{"))
	f.Fuzz(func(t *testing.T, b []byte) {
		info, again, ok := roundtrip.Check(t, "lock info", b, Decode, Encode)
		if !ok {
			return
		}
		if again.ID != info.ID || again.Who != info.Who || !again.Created.Equal(info.Created) {
			t.Fatalf("lock info round trip: %+v vs %+v", again, info)
		}
		_ = (&LockedError{ID: info.ID, Holder: info}).Error()
	})
}
