package statemgr

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/mlform/mlform/providers/storage/storedoc"
)

// TestRootBackendNamesHost: a workspace copied with its local state to the
// same path on another machine has the same lineage and state path; its
// store roots must still have names of their own, or each machine's apply
// overwrites the other's root and a gc deletes what only the other's state
// references. A bucket backend is one place for every machine: its root
// backend is its location.
func TestRootBackendNamesHost(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "ws", ".mlform", "state")
	m, err := OpenManager(ctx, "file://"+dir, "/")
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	names := map[string]string{}
	for _, host := range []string{"alpha", "beta"} {
		m.hostname = func() (string, error) { return host, nil }
		b := m.RootBackend()
		gotHost, path, ok := SplitLocalRootBackend(b)
		if !ok || gotHost != host || path != m.Location() {
			t.Fatalf("on %s: RootBackend() = %q, split: %q %q %v; want host %s and path %s", host, b, gotHost, path, ok, host, m.Location())
		}
		name := storedoc.WorkspaceRootName("0b6f8a52-6d0e-4d8f-9a51-1f0f5c3c2a77", b, "default")
		if other, dup := names[name]; dup {
			t.Fatalf("the roots of the copies on %s and %s have one name, %s", other, host, name)
		}
		names[name] = host
	}

	bm, err := OpenManager(ctx, "mem:///team-a/state/", "/")
	if err != nil {
		t.Fatal(err)
	}
	defer bm.Close()
	if got := bm.RootBackend(); got != bm.Location() {
		t.Errorf("bucket backend: RootBackend() = %q, want its location %q", got, bm.Location())
	}
	for _, s := range []string{bm.Location(), m.Location(), "file:///x"} {
		if h, p, ok := SplitLocalRootBackend(s); ok {
			t.Errorf("SplitLocalRootBackend(%q) = %q, %q, true; want false", s, h, p)
		}
	}
}
