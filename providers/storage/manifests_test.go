package storage

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/mlform/mlform/providers/storage/manifest"
)

// TestPutManifestAs checks that a manifest is stored only under the id the
// caller expects, and that a mismatch writes nothing.
func TestPutManifestAs(t *testing.T) {
	ctx := context.Background()
	s, o := newMemStore(t, Options{})
	f, err := s.PutFile(ctx, bytes.NewReader([]byte("planned content")))
	if err != nil {
		t.Fatal(err)
	}
	f.Path = "a.csv"
	m := &manifest.Manifest{Kind: manifest.KindSnapshot, Files: []manifest.File{f}}
	want := manifest.ID(m)
	other := manifest.ID(&manifest.Manifest{Kind: manifest.KindSnapshot, Files: []manifest.File{}})

	err = s.PutManifestAs(ctx, m, other)
	if !errors.Is(err, ErrManifestID) || !strings.Contains(err.Error(), want) {
		t.Fatalf("PutManifestAs with the wrong id = %v, want ErrManifestID naming %s", err, want)
	}
	if _, err := o.Get(ctx, manifestKey(want)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a refused manifest was written: Get = %v", err)
	}
	if err := s.PutManifestAs(ctx, m, ""); !errors.Is(err, ErrManifestID) {
		t.Fatalf("PutManifestAs with no id = %v, want ErrManifestID", err)
	}
	if err := s.PutManifestAs(ctx, m, want); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetManifest(ctx, want)
	if err != nil || len(got.Files) != 1 || got.Files[0].Hash != f.Hash {
		t.Fatalf("GetManifest(%s) = %+v, %v", want, got, err)
	}
}
