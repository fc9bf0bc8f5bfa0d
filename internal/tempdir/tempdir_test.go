//go:build unix

package tempdir

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/mlform/mlform/internal/procid"
	"github.com/mlform/mlform/internal/whoami"
)

// goneToken names a process that has exited and been reaped.
func goneToken(t *testing.T) string {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("no true command:", err)
	}
	return procid.ID{Host: whoami.Host(), PID: cmd.Process.Pid, Start: 1}.Token()
}

// readOnlyTree makes dir/<name> with read-only data, a nested read-only
// directory and a symlink to outside, as a killed train leaves it.
func readOnlyTree(t *testing.T, root, name, outside string) string {
	t.Helper()
	dir := filepath.Join(root, name)
	for _, d := range []string{"data/ds/sub", "output"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "data/ds/sub/part.csv"), []byte("a,b\n"), 0o444); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "output/link")); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"data/ds/sub", "data/ds", "data"} {
		if err := os.Chmod(filepath.Join(dir, d), 0o555); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestNewAndSweep(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	outsideDir := t.TempDir()
	outside := filepath.Join(outsideDir, "precious")
	if err := os.WriteFile(outside, []byte("keep"), 0o444); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(outsideDir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(outsideDir, 0o755) })

	now := time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)
	live, err := New("churn-v3-train", now)
	if err != nil {
		t.Fatal(err)
	}
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(live) != root {
		t.Fatalf("run dir %s not under root %s", live, root)
	}
	var m Marker
	b, err := os.ReadFile(filepath.Join(live, MarkerName))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	self := procid.Self()
	if m.PID != self.PID || m.Host != self.Host || m.Start != self.Start || !m.StartedAt.Equal(now) || m.Label != "churn-v3-train" {
		t.Errorf("marker %+v, want pid %d host %s start %d", m, self.PID, self.Host, self.Start)
	}

	gone := goneToken(t)
	reused := procid.ID{Host: self.Host, PID: self.PID, Start: self.Start + 1}.Token()
	otherHost := procid.ID{Host: "not-" + whoami.Host(), PID: 1, Start: 1}.Token()
	tests := []struct {
		name      string
		entry     string
		readOnly  bool
		wantGone  bool
		aFileOnly bool
	}{
		{"gone owner, read-only tree", gone + "-123.m-v1-train", true, true, false},
		{"gone owner, plain", gone + "-9.m-v2-evaluate", false, true, false},
		{"reused pid (own pid, other start)", reused + "-5.m-v3-train", false, self.Start != 0, false},
		{"other host", otherHost + "-7.m-v1-train", true, false, false},
		{"not ours: no token", "something-else", false, false, false},
		{"not ours: a file", gone + "-8.file", false, false, true},
	}
	paths := map[string]string{}
	for _, tt := range tests {
		switch {
		case tt.aFileOnly:
			p := filepath.Join(root, tt.entry)
			if err := os.WriteFile(p, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			paths[tt.name] = p
		case tt.readOnly:
			paths[tt.name] = readOnlyTree(t, root, tt.entry, outside)
		default:
			p := filepath.Join(root, tt.entry)
			if err := os.Mkdir(p, 0o700); err != nil {
				t.Fatal(err)
			}
			paths[tt.name] = p
		}
	}
	t.Cleanup(func() { _ = Remove(root) })

	rep, err := Sweep()
	if err != nil {
		t.Fatalf("Sweep: %v", err)
	}
	for _, tt := range tests {
		_, err := os.Lstat(paths[tt.name])
		if gotGone := os.IsNotExist(err); gotGone != tt.wantGone {
			t.Errorf("%s: removed = %v, want %v (err %v)", tt.name, gotGone, tt.wantGone, err)
		}
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("the live run's directory was removed: %v", err)
	}
	if b, err := os.ReadFile(outside); err != nil || string(b) != "keep" {
		t.Errorf("the symlink target outside the tree was touched: %q, %v", b, err)
	}
	if len(rep.Removed) == 0 || rep.Kept < 2 {
		t.Errorf("report %+v", rep)
	}
	if err := Remove(live); err != nil {
		t.Fatal(err)
	}
}

func TestRootRefusesSymlink(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	target := t.TempDir()
	if err := os.Symlink(target, filepath.Join(tmp, "mlform-"+userTag())); err != nil {
		t.Fatal(err)
	}
	if _, err := Root(); err == nil {
		t.Fatal("Root accepted a symlink planted in the temporary directory")
	}
	if _, err := New("x", time.Now()); err == nil {
		t.Fatal("New accepted a symlinked root")
	}
}

func TestRootTightensMode(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	if err := os.Mkdir(filepath.Join(tmp, "mlform-"+userTag()), 0o777); err != nil {
		t.Fatal(err)
	}
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	if info, err := os.Stat(root); err != nil || info.Mode().Perm() != 0o700 {
		t.Errorf("root mode %v, %v; want 0700", info.Mode().Perm(), err)
	}
}

func TestCleanLabel(t *testing.T) {
	for in, want := range map[string]string{"churn-v3-train": "churn-v3-train", "a.b/c": "a_b_c", "": "run", "x_y": "x_y"} {
		if got := cleanLabel(in); got != want {
			t.Errorf("cleanLabel(%q) = %q, want %q", in, got, want)
		}
	}
}
