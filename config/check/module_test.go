package check

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestModuleDir(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"modules/a", "modules/b"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	outside := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(root, "modules", "link")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		from, src, want, summary string
	}{
		{from: root, src: "./modules/a", want: filepath.Join(root, "modules/a")},
		{from: filepath.Join(root, "modules/a"), src: "../b", want: filepath.Join(root, "modules/b")},
		{from: root, src: "modules/a", summary: "Module source not supported"},
		{from: root, src: "git::https://example.com/x.git", summary: "Module source not supported"},
		{from: root, src: "../x", summary: "Module source outside the workspace"},
		{from: root, src: "./modules/../../x", summary: "Module source outside the workspace"},
		{from: root, src: "./modules/link", summary: "Module source outside the workspace"},
		{from: root, src: "./none", summary: "Module directory not found"},
		{from: root, src: "./file", summary: "Module source is not a directory"},
	} {
		got, err := ModuleDir(root, tc.from, tc.src)
		var e *ModuleSourceError
		switch {
		case tc.summary == "" && (err != nil || got != tc.want):
			t.Errorf("ModuleDir(%q) = %q, %v; want %q", tc.src, got, err, tc.want)
		case tc.summary != "" && (!errors.As(err, &e) || e.Summary != tc.summary):
			t.Errorf("ModuleDir(%q) error = %v, want %q", tc.src, err, tc.summary)
		}
	}
}
