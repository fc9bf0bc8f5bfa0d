package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/mlform/mlform/internal/hexid"
	"github.com/mlform/mlform/internal/termtext"
	"github.com/mlform/mlform/providers/storage/manifest"
	"github.com/mlform/mlform/providers/storage/packfmt"
)

// PutManifest validates m, makes every chunk it references durable (it
// flushes pending chunks first) and stores it under its id. Writing the
// manifest last is what makes a crash harmless: a manifest never names a
// chunk that is not in a pack and an index object.
func (s *Store) PutManifest(ctx context.Context, m *manifest.Manifest) (string, error) {
	return s.putManifest(ctx, m, "")
}

// ErrManifestID is returned (wrapped) by PutManifestAs when the manifest's
// id is not the one expected.
var ErrManifestID = errors.New("manifest id differs")

// PutManifestAs stores m only if its id is want (what a plan computed with
// ManifestID), encoding it once; otherwise it writes nothing and returns an
// error wrapping ErrManifestID that names both ids.
func (s *Store) PutManifestAs(ctx context.Context, m *manifest.Manifest, want string) error {
	if want == "" {
		return fmt.Errorf("put manifest: %w: no id expected", ErrManifestID)
	}
	_, err := s.putManifest(ctx, m, want)
	return err
}

func (s *Store) putManifest(ctx context.Context, m *manifest.Manifest, want string) (string, error) {
	if err := m.Validate(); err != nil {
		return "", err
	}
	if s.w.unflushed() {
		if err := s.Flush(ctx); err != nil {
			return "", fmt.Errorf("put manifest: %w", err)
		}
	}
	for _, f := range m.Files {
		for _, c := range f.Chunks {
			id, _ := packfmt.ParseID(c.ID) // validated above
			if _, ok := s.idx.lookup(id); !ok {
				return "", fmt.Errorf("put manifest: file %q: chunk %s is not in the store (store the file with PutFile first)", f.Path, c.ID)
			}
		}
	}
	data := manifest.Encode(m)
	id := hashHex(data)
	if want != "" && id != want {
		return "", fmt.Errorf("put manifest: %w: it is %s, want %s", ErrManifestID, id, want)
	}
	if err := s.o.Put(ctx, manifestKey(id), bytes.NewReader(data), false); err != nil {
		return "", fmt.Errorf("put manifest %s: %w", id, err)
	}
	return id, nil
}

// GetManifest reads manifest id, verifying that its content hashes to id and
// that every path and id in it is valid.
func (s *Store) GetManifest(ctx context.Context, id string) (*manifest.Manifest, error) {
	data, err := s.getVerified(ctx, "manifest", id, manifestKey)
	if err != nil {
		return nil, err
	}
	m, err := manifest.Decode(data)
	if err != nil {
		return nil, fmt.Errorf("manifest %s: %w", id, err)
	}
	return m, nil
}

// ResolveManifest returns the one manifest id starting with prefix (at least
// 8 hex characters; case-insensitive).
func (s *Store) ResolveManifest(ctx context.Context, prefix string) (string, error) {
	p := strings.ToLower(prefix)
	if len(p) < minPrefixLength || len(p) > hexid.DigestLen || !hexid.IsLowerHex(p) {
		return "", fmt.Errorf("manifest id prefix %q: want %d to %d hex characters", termtext.Truncate(prefix, 80), minPrefixLength, hexid.DigestLen)
	}
	var matches []string
	err := s.o.List(ctx, manifestPrefix+p, func(key string, _ int64, _ time.Time) error {
		if id, ok := idFromKey(manifestPrefix, key); ok && strings.HasPrefix(id, p) {
			matches = append(matches, id)
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("resolve manifest %s: %w", p, err)
	}
	switch len(matches) {
	case 0:
		return "", fmt.Errorf("no manifest with id prefix %s: %w", p, ErrNotFound)
	case 1:
		return matches[0], nil
	}
	sort.Strings(matches)
	shown := matches
	if len(shown) > 5 {
		shown = shown[:5]
	}
	return "", fmt.Errorf("manifest id prefix %s is ambiguous: %d manifests match (%s); give more characters", p, len(matches), strings.Join(shown, ", "))
}

// List returns the ids of all manifests, sorted.
func (s *Store) List(ctx context.Context) ([]string, error) {
	var ids []string
	err := s.o.List(ctx, manifestPrefix, func(key string, _ int64, _ time.Time) error {
		if id, ok := idFromKey(manifestPrefix, key); ok {
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list manifests: %w", err)
	}
	sort.Strings(ids)
	return ids, nil
}

// Delete removes manifest id. Its chunks stay until GC finds them
// unreferenced.
func (s *Store) Delete(ctx context.Context, id string) error {
	if err := hexid.Check("manifest", id); err != nil {
		return err
	}
	if _, err := s.o.Size(ctx, manifestKey(id)); err != nil {
		return fmt.Errorf("delete manifest %s: %w", id, err)
	}
	if err := s.o.Delete(ctx, manifestKey(id)); err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("delete manifest %s: %w", id, err)
	}
	return nil
}

// PutObject stores a small content-addressed object (column profiles, log
// metadata) and returns its id, the BLAKE3 of data.
func (s *Store) PutObject(ctx context.Context, data []byte) (string, error) {
	id := hashHex(data)
	if err := s.o.Put(ctx, objectKey(id), bytes.NewReader(data), false); err != nil {
		return "", fmt.Errorf("put object %s: %w", id, err)
	}
	return id, nil
}

// GetObject reads object id and verifies its content against the id.
func (s *Store) GetObject(ctx context.Context, id string) ([]byte, error) {
	return s.getVerified(ctx, "object", id, objectKey)
}

// getVerified reads the whole object of id (what names the kind in
// errors, key its key) and checks that its content hashes to id.
func (s *Store) getVerified(ctx context.Context, what, id string, key func(string) string) ([]byte, error) {
	if err := hexid.Check(what, id); err != nil {
		return nil, err
	}
	data, err := s.o.Get(ctx, key(id))
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", what, id, err)
	}
	if got := hashHex(data); got != id {
		return nil, corruptf("%s %s is corrupt: its content hashes to %s", what, id, got)
	}
	return data, nil
}
