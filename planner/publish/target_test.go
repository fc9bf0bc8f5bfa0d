package publish

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlform/mlform/internal/procid"
	"github.com/mlform/mlform/internal/whoami"
)

func TestReservedOutput(t *testing.T) {
	tests := []struct {
		path     string
		reserved bool
	}{
		{"mlform-manifest.json", true},
		{".mlform-tmp-x", true},
		{"sub/.mlform-tmp-0a1b2c3d-1-2-3", true},
		{".mlform-tmp-dir/model.bin", true},
		{"sub/mlform-manifest.json", false}, // only the top-level name is the manifest
		{"model.bin", false},
		{"metrics.json", false},
		{"mlform-manifest.json.bak", false},
	}
	for _, tt := range tests {
		if got := ReservedOutput(tt.path) != ""; got != tt.reserved {
			t.Errorf("ReservedOutput(%q) reserved = %v, want %v", tt.path, got, tt.reserved)
		}
	}
}

func TestLegacyTempOf(t *testing.T) {
	tests := []struct{ in, want string }{
		{"model.bin.17f3a2b4c5d6e7f8.tmp", "model.bin"},
		{"sub/w.bin.1a.tmp", "sub/w.bin"},
		{"mlform-manifest.json.abc.tmp", "mlform-manifest.json"},
		{"model.tmp", ""},
		{"model.bin.xyz.tmp", ""},
		{".1a.tmp", ""},
		{"a/.1.tmp", ""},
		{"a.bin", ""},
	}
	for _, tt := range tests {
		got, ok := legacyTempOf(tt.in)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("legacyTempOf(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
}

// A publish into a directory leaves only final names, and sweeps what a
// killed publish left: its own temporaries, and the fileblob temporaries
// of published names from earlier versions; nothing else.
func TestDirTargetPutAndSweep(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	tg, err := openPublishTarget(ctx, "file://"+dir, "/")
	if err != nil {
		t.Fatal(err)
	}
	defer tg.close()
	if err := tg.put(ctx, "sub/model.bin", strings.NewReader("weights"), ""); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "sub/model.bin")); err != nil || string(b) != "weights" {
		t.Fatalf("published file: %q, %v", b, err)
	}
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("no true command")
	}
	gone := procid.ID{Host: whoami.Host(), PID: cmd.Process.Pid, Start: 1}.Token()
	live := procid.Self().Token()
	other := procid.ID{Host: "elsewhere-" + whoami.Host(), PID: 7, Start: 7}.Token()
	// A writer on another machine with this host name, publishing to the
	// same shared directory: its pid means nothing here.
	twin := procid.ID{Host: procid.Host(), Boot: "0123abcd-another-kernel", PID: cmd.Process.Pid, Start: 1}.Token()
	goneBoot := procid.ID{Host: procid.Host(), Boot: procid.Boot(), PID: cmd.Process.Pid, Start: 1}.Token()
	files := map[string]bool{ // name -> swept
		tempPrefix + gone + "-1":             true,
		"sub/" + tempPrefix + gone + "-2":    true,
		tempPrefix + live + "-99":            false, // this (live) process
		tempPrefix + other + "-1":            false, // another host, fresh
		tempPrefix + twin + "-3":             false, // same host name, another machine, fresh
		tempPrefix + goneBoot + "-4":         true,
		"sub/model.bin.17f3a2b4c5d6e7f8.tmp": true,  // legacy, listed name
		"mlform-manifest.json.1a2b.tmp":      true,  // legacy, the manifest
		"notes.txt.1a2b.tmp":                 false, // legacy form, not published
		tempPrefix + "not-a-token":           false,
		"sub/model.bin":                      false,
	}
	for p := range files {
		if err := os.WriteFile(filepath.Join(dir, p), []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-2 * tempMaxAge)
	oldOther := tempPrefix + other + "-2"
	if err := os.WriteFile(filepath.Join(dir, oldOther), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(filepath.Join(dir, oldOther), old, old); err != nil {
		t.Fatal(err)
	}
	files[oldOther] = true
	n, err := tg.sweep(ctx, []string{"sub/model.bin"})
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for p, swept := range files {
		_, err := os.Stat(filepath.Join(dir, p))
		if os.IsNotExist(err) != swept {
			t.Errorf("%s: swept = %v, want %v", p, os.IsNotExist(err), swept)
		}
		if swept {
			want++
		}
	}
	if n != want {
		t.Errorf("sweep removed %d, want %d", n, want)
	}
}

// FuzzLegacyTempOf: a name read from a publish directory maps back only
// to a strict prefix of itself, so the sweep can only pick a temporary
// that sits next to the published file it names.
func FuzzLegacyTempOf(f *testing.F) {
	f.Add("model.bin.17f3a2b4c5d6e7f8.tmp")
	f.Add("a/.1.tmp")
	f.Fuzz(func(t *testing.T, p string) {
		base, ok := legacyTempOf(p)
		if !ok {
			return
		}
		if base == "" || !strings.HasPrefix(p, base+".") || !strings.HasSuffix(p, ".tmp") || len(base) >= len(p)-len(".x.tmp")+1 {
			t.Fatalf("legacyTempOf(%q) = %q", p, base)
		}
		if strings.Contains(strings.TrimPrefix(p, base), "/") {
			t.Fatalf("legacyTempOf(%q) = %q crosses a directory", p, base)
		}
	})
}
