package storagetest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mlform/mlform/providers/storage"
	"github.com/mlform/mlform/providers/storage/manifest"
	"github.com/mlform/mlform/providers/storage/storedoc"
)

// The shared-store part of the suite: workspace roots and store locks, the
// two things that let several workspaces share one store safely.

func sharedTests() []struct {
	name string
	fn   func(*testing.T, *env)
} {
	return []struct {
		name string
		fn   func(*testing.T, *env)
	}{
		{"RootsRoundTrip", testRootsRoundTrip},
		{"GCKeepsEveryRoot", testGCKeepsRoots},
		{"WorkspaceRootPerBackend", testWorkspaceRootPerBackend},
		{"GCRefusesDamagedRoot", testGCDamagedRoot},
		{"ForeignKeysUnderRootsAndLocks", testForeignRootsLocks},
		{"GCNeedsExclusiveLock", testGCNeedsLock},
		{"LockConflicts", testLockConflicts},
		{"LockWaitsForRelease", testLockWaits},
		{"LockMutualExclusion", testLockMutualExclusion},
		{"StaleLocks", testStaleLocks},
		{"LockModTime", testLockModTime},
		{"LockRefresh", testLockRefresh},
		{"SharedLockOnOpen", testSharedLockOnOpen},
	}
}

const lineageA, lineageB = "0b6f8a52-6d0e-4d8f-9a51-1f0f5c3c2a77", "9d1c2b3a-0000-4000-8000-00000000000b"

func testRootsRoundTrip(t *testing.T, e *env) {
	s := e.open(storage.Options{})
	f := e.put(s, "a", []byte("alpha"), 0o644)
	id := e.putManifest(s, manifest.KindSnapshot, f)
	if _, err := s.GetRoot(e.ctx, lineageA); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("GetRoot before any write: %v, want ErrNotFound", err)
	}
	written := time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)
	want := &storage.Root{Lineage: lineageA, Backend: "s3://bucket/a/state", Host: "h1", Written: written, Serial: 7, IDs: []string{id, id}}
	if err := s.PutRoot(e.ctx, want); err != nil {
		t.Fatal(err)
	}
	if err := s.PutRoot(e.ctx, &storage.Root{Lineage: lineageB, IDs: nil}); err != nil {
		t.Fatal(err)
	}
	got, err := e.open(storage.Options{}).GetRoot(e.ctx, lineageA)
	if err != nil {
		t.Fatal(err)
	}
	if got.Serial != 7 || got.Host != "h1" || got.Backend != want.Backend || !got.Written.Equal(written) || len(got.IDs) != 1 || got.IDs[0] != id {
		t.Errorf("GetRoot = %+v, want %+v with ids deduplicated", got, want)
	}
	roots, err := s.Roots(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(roots) != 2 || roots[0].Lineage != lineageA || roots[1].Lineage != lineageB || roots[0].Err != nil || roots[1].Err != nil {
		t.Fatalf("Roots = %+v, want %s and %s", roots, lineageA, lineageB)
	}
	// Replacing is a plain overwrite.
	if err := s.PutRoot(e.ctx, &storage.Root{Lineage: lineageA, Serial: 8, IDs: []string{}}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetRoot(e.ctx, lineageA); err != nil || got.Serial != 8 || len(got.IDs) != 0 {
		t.Errorf("after replace: %+v, %v", got, err)
	}
	for _, bad := range []string{"", "../x", "a/b", strings.Repeat("a", 65)} {
		if err := s.PutRoot(e.ctx, &storage.Root{Lineage: bad}); err == nil {
			t.Errorf("PutRoot with lineage %q succeeded", bad)
		}
	}
	if err := s.PutRoot(e.ctx, &storage.Root{Lineage: lineageA, IDs: []string{"nothex"}}); err == nil {
		t.Error("PutRoot with an invalid id succeeded")
	}
	if err := s.ForgetRoot(e.ctx, lineageB); err != nil {
		t.Fatal(err)
	}
	if err := s.ForgetRoot(e.ctx, lineageB); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("second ForgetRoot: %v, want ErrNotFound", err)
	}
}

// testGCKeepsRoots: two workspaces share the store; gc with A's live set
// keeps everything B's root names (manifest, object, their packs), even a
// manifest A no longer uses that shares chunks with B's, and collects it
// only once B's root is forgotten.
func testGCKeepsRoots(t *testing.T, e *env) {
	s := e.open(storage.Options{PackSize: 4 << 10})
	shared := randomBytes(11, 3000)
	fa := e.put(s, "a.csv", randomBytes(12, 3000), 0o644)
	fs := e.put(s, "shared.csv", shared, 0o644)
	idA := e.putManifest(s, manifest.KindSnapshot, fa)
	fb := e.put(s, "b.csv", randomBytes(13, 3000), 0o644)
	fs2 := e.put(s, "shared.csv", shared, 0o644)
	idB := e.putManifest(s, manifest.KindSnapshot, fb, fs2)
	idGone := e.putManifest(s, manifest.KindSnapshot, fa, fs)
	objB, err := s.PutObject(e.ctx, []byte(`{"profile":"b"}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PutRoot(e.ctx, &storage.Root{Lineage: lineageB, IDs: []string{idB, objB}}); err != nil {
		t.Fatal(err)
	}
	r, err := GCLocked(e.ctx, s, []string{idA})
	if err != nil {
		t.Fatal(err)
	}
	if r.ManifestsDeleted != 1 || r.ManifestsKept != 2 || r.ObjectsKept != 1 || r.ObjectsDeleted != 0 || r.Roots != 1 {
		t.Errorf("GC report %+v: want idGone deleted, idA and idB kept, B's object kept, 1 root", r)
	}
	s2 := e.open(storage.Options{})
	if _, err := s2.GetManifest(e.ctx, idGone); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("unreferenced manifest still readable: %v", err)
	}
	for _, id := range []string{idA, idB} {
		m, err := s2.GetManifest(e.ctx, id)
		if err != nil {
			t.Fatalf("kept manifest %s: %v", id, err)
		}
		for _, f := range m.Files {
			if _, err := e.read(s2, f); err != nil {
				t.Errorf("manifest %s file %s: %v", id, f.Path, err)
			}
		}
	}
	if _, err := s2.GetObject(e.ctx, objB); err != nil {
		t.Errorf("B's object: %v", err)
	}
	e.mustCheck(s2, true)

	// A root naming ids the store lost does not block gc.
	if err := s.PutRoot(e.ctx, &storage.Root{Lineage: lineageA, IDs: []string{idA, strings.Repeat("ab", 32)}}); err != nil {
		t.Fatal(err)
	}
	if r, err = GCLocked(e.ctx, s2, []string{idA}); err != nil || r.MissingRootIDs != 1 || r.Roots != 2 {
		t.Fatalf("GC with a root naming a lost id: %+v, %v; want success counting 1 missing id", r, err)
	}
	// Forgotten, B's data goes.
	if err := s2.ForgetRoot(e.ctx, lineageB); err != nil {
		t.Fatal(err)
	}
	if r, err = GCLocked(e.ctx, s2, []string{idA}); err != nil || r.ManifestsDeleted != 1 || r.ObjectsDeleted != 1 {
		t.Fatalf("GC after forgetting B: %+v, %v; want B's manifest and object deleted", r, err)
	}
	e.mustCheck(e.open(storage.Options{}), true)
}

// testWorkspaceRootPerBackend: two states of one lineage (a copied
// workspace) at two backends each keep their own root, and so do two
// storage blocks of one workspace naming this store, so none overwrites
// what another protects and gc keeps all their data. A root an older
// mlform wrote under the lineage alone is replaced by the workspace root
// of its own backend, and left alone by another backend's.
func testWorkspaceRootPerBackend(t *testing.T, e *env) {
	s := e.open(storage.Options{PackSize: 4 << 10})
	idA := e.putManifest(s, manifest.KindSnapshot, e.put(s, "a.csv", randomBytes(21, 3000), 0o644))
	idB := e.putManifest(s, manifest.KindSnapshot, e.put(s, "b.csv", randomBytes(22, 3000), 0o644))
	idOld := e.putManifest(s, manifest.KindSnapshot, e.put(s, "old.csv", randomBytes(23, 3000), 0o644))
	idArchive := e.putManifest(s, manifest.KindSnapshot, e.put(s, "archive.csv", randomBytes(24, 3000), 0o644))
	const backendA, backendB = "/w/a/.mlform/state/state.json", "/w/b/.mlform/state/state.json"
	// An older mlform's root of the copy at backend A.
	if err := s.PutRoot(e.ctx, &storage.Root{Lineage: lineageA, Backend: backendA, IDs: []string{idOld}}); err != nil {
		t.Fatal(err)
	}
	nameB, err := s.PutWorkspaceRoot(e.ctx, &storage.Root{Lineage: lineageA, Backend: backendB, IDs: []string{idB}}, "default")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetRoot(e.ctx, lineageA); err != nil {
		t.Errorf("another backend's workspace root removed the old root of backend A: %v", err)
	}
	nameA, err := s.PutWorkspaceRoot(e.ctx, &storage.Root{Lineage: lineageA, Backend: backendA, IDs: []string{idA}}, "default")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ForgetLegacyRoot(e.ctx, lineageA, backendB); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetRoot(e.ctx, lineageA); err != nil {
		t.Errorf("the old root of backend A was removed for backend B: %v", err)
	}
	if err := s.ForgetLegacyRoot(e.ctx, lineageA, backendA); err != nil {
		t.Fatal(err)
	}
	// A's second storage block names this store too.
	nameArchive, err := s.PutWorkspaceRoot(e.ctx, &storage.Root{Lineage: lineageA, Backend: backendA, IDs: []string{idArchive}}, "archive")
	if err != nil {
		t.Fatal(err)
	}
	if nameA == nameB || nameA == nameArchive || nameA != storedoc.WorkspaceRootName(lineageA, backendA, "default") || !storedoc.ValidLineage(nameA) {
		t.Fatalf("workspace root names %q, %q and %q: want distinct valid names from lineage, backend and block", nameA, nameB, nameArchive)
	}
	if _, err := s.GetRoot(e.ctx, lineageA); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("the old root of backend A outlived its replacement: %v", err)
	}
	roots, err := s.Roots(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(roots) != 3 {
		t.Fatalf("Roots = %+v, want the three workspace roots of lineage %s", roots, lineageA)
	}
	for _, r := range roots {
		if r.Err != nil || r.Lineage != lineageA {
			t.Fatalf("Roots = %+v, want the three workspace roots of lineage %s", roots, lineageA)
		}
	}
	// gc from copy A's default block (its own live set only) keeps copy
	// B's data and A's archive block's.
	r, err := GCLocked(e.ctx, s, []string{idA})
	if err != nil {
		t.Fatal(err)
	}
	if r.ManifestsDeleted != 1 || r.ManifestsKept != 3 || r.Roots != 3 || r.OwnRoots(lineageA, backendA) != 2 {
		t.Errorf("GC report %+v: want idOld deleted, idA, idB and idArchive kept, 3 roots, 2 of A", r)
	}
	for _, id := range []string{idB, idArchive} {
		if _, err := e.open(storage.Options{}).GetManifest(e.ctx, id); err != nil {
			t.Errorf("snapshot %s: %v", id, err)
		}
	}
	if err := s.ForgetRoot(e.ctx, nameB); err != nil {
		t.Fatal(err)
	}
	if r, err = GCLocked(e.ctx, s, []string{idA}); err != nil || r.ManifestsDeleted != 1 {
		t.Fatalf("GC after forgetting copy B's root: %+v, %v; want its manifest deleted", r, err)
	}
	e.mustCheck(e.open(storage.Options{}), true)
}

func testGCDamagedRoot(t *testing.T, e *env) {
	s := e.open(storage.Options{})
	id := e.putManifest(s, manifest.KindSnapshot, e.put(s, "a", []byte("a"), 0o644))
	tests := []struct{ key, content, want string }{
		{"roots/" + lineageB, `{"kind":"mlform-store-root","format":1,"lineage":"` + lineageB + `","ids":["../x"]}`, "invalid root id"},
		{"roots/" + lineageB, `{"kind":"mlform-store-root","format":2,"lineage":"` + lineageB + `","ids":[]}`, "format 2 is not supported"},
		{"roots/" + lineageB, `{"kind":"mlform-store-root","format":1,"lineage":"` + lineageA + `","ids":[]}`, "not the one of its key"},
		{"roots/" + lineageB, `not json`, "not valid JSON"},
	}
	for _, tc := range tests {
		if err := e.raw.WriteAll(e.ctx, tc.key, []byte(tc.content), nil); err != nil {
			t.Fatal(err)
		}
		_, err := GCLocked(e.ctx, s, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "refusing to collect") {
			t.Errorf("%s %q: GC error %v, want %q and a refusal", tc.key, tc.content, err, tc.want)
		}
		if _, err := s.GetManifest(e.ctx, id); err != nil {
			t.Errorf("%s: a refused GC deleted data: %v", tc.key, err)
		}
		if err := e.raw.Delete(e.ctx, tc.key); err != nil {
			t.Fatal(err)
		}
	}
}

// testForeignRootsLocks: a store at a bucket's top shares its key space
// with other workspaces' prefixes. A team whose state is at BUCKET/locks/
// or BUCKET/roots/ puts keys there that no mlform writes as a lock or a
// root (locks/state.json, roots/state/state.json.backup): they are left
// alone like any foreign key. Counted as unreadable locks they blocked
// every apply and gc of the store (with advice to delete them: another
// team's state); counted as damaged roots they made gc refuse.
func testForeignRootsLocks(t *testing.T, e *env) {
	s := e.open(storage.Options{})
	id := e.putManifest(s, manifest.KindSnapshot, e.put(s, "a", []byte("a"), 0o644))
	foreign := []string{"locks/state.json", "locks/state/state.json.backup", "locks/a.b", "roots/state.json", "roots/state/state.json", "roots/bad.name"}
	for _, k := range foreign {
		e.write(k, []byte(`{"format_version":1}`))
	}
	for _, kind := range []storage.LockKind{storage.LockShared, storage.LockExclusive} {
		l, err := s.Lock(e.ctx, kind, storage.LockOptions{Command: "test", Timeout: time.Second})
		if err != nil {
			t.Fatalf("%s lock beside foreign keys: %v", kind, err)
		}
		if err := l.Unlock(e.ctx); err != nil {
			t.Fatal(err)
		}
	}
	if locks, err := s.Locks(e.ctx); err != nil || len(locks) != 0 {
		t.Errorf("Locks = %v, %v; want none", locks, err)
	}
	if roots, err := s.Roots(e.ctx); err != nil || len(roots) != 0 {
		t.Errorf("Roots = %v, %v; want none", roots, err)
	}
	if _, err := GCLocked(e.ctx, s, []string{id}); err != nil {
		t.Fatalf("GC beside foreign keys: %v", err)
	}
	for _, k := range foreign {
		if got := e.readRaw(k); string(got) != `{"format_version":1}` {
			t.Errorf("%s: %q after GC", k, got)
		}
	}
	if _, err := s.GetManifest(e.ctx, id); err != nil {
		t.Errorf("kept manifest: %v", err)
	}
}

func testGCNeedsLock(t *testing.T, e *env) {
	s := e.open(storage.Options{})
	if _, err := s.GC(e.ctx, nil); err == nil || !strings.Contains(err.Error(), "exclusive store lock") {
		t.Errorf("GC without the exclusive lock: %v", err)
	}
	l, err := s.Lock(e.ctx, storage.LockShared, storage.LockOptions{Command: "test"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock(e.ctx)
	if _, err := s.GC(e.ctx, nil); err == nil {
		t.Error("GC under a shared lock succeeded")
	}
}

func testLockConflicts(t *testing.T, e *env) {
	s := e.open(storage.Options{})
	tests := []struct {
		held, want storage.LockKind
		conflict   bool
	}{
		{storage.LockShared, storage.LockShared, false},
		{storage.LockShared, storage.LockExclusive, true},
		{storage.LockExclusive, storage.LockShared, true},
		{storage.LockExclusive, storage.LockExclusive, true},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s-then-%s", tc.held, tc.want), func(t *testing.T) {
			held, err := s.Lock(e.ctx, tc.held, storage.LockOptions{Command: "apply"})
			if err != nil {
				t.Fatal(err)
			}
			l, err := s.Lock(e.ctx, tc.want, storage.LockOptions{Command: "gc"})
			if !tc.conflict {
				if err != nil {
					t.Fatalf("want both held: %v", err)
				}
				if err := l.Unlock(e.ctx); err != nil {
					t.Error(err)
				}
			} else {
				var le *storage.LockedError
				if !errors.As(err, &le) {
					t.Fatalf("want a *LockedError, got %v", err)
				}
				msg := err.Error()
				for _, want := range []string{"store is locked", `"apply"`, held.Holder().ID, fmt.Sprintf("pid %d", os.Getpid())} {
					if !strings.Contains(msg, want) {
						t.Errorf("error %q does not mention %q", msg, want)
					}
				}
			}
			if err := held.Unlock(e.ctx); err != nil {
				t.Fatal(err)
			}
			locks, err := s.Locks(e.ctx)
			if err != nil || len(locks) != 0 {
				t.Fatalf("locks left: %+v, %v", locks, err)
			}
		})
	}
}

func testLockWaits(t *testing.T, e *env) {
	s := e.open(storage.Options{})
	held, err := s.Lock(e.ctx, storage.LockExclusive, storage.LockOptions{Command: "gc"})
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() {
		l, err := s.Lock(e.ctx, storage.LockShared, storage.LockOptions{Command: "apply", Timeout: time.Minute})
		if err == nil {
			err = l.Unlock(e.ctx)
		}
		got <- err
	}()
	if err := held.Unlock(e.ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-got; err != nil {
		t.Fatalf("waiter: %v", err)
	}
	// A cancelled wait says it stopped.
	held, err = s.Lock(e.ctx, storage.LockExclusive, storage.LockOptions{Command: "gc"})
	if err != nil {
		t.Fatal(err)
	}
	defer held.Unlock(e.ctx)
	ctx, cancel := context.WithCancel(e.ctx)
	cancel()
	if _, err := s.Lock(ctx, storage.LockShared, storage.LockOptions{Timeout: time.Minute}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled wait: %v", err)
	}
}

// testLockMutualExclusion: goroutines, each with its own Store on the
// bucket, take exclusive and shared locks at once; an exclusive holder is
// never concurrent with any other holder.
func testLockMutualExclusion(t *testing.T, e *env) {
	const workers, rounds = 4, 3
	var exclusive, shared atomic.Int32
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds)
	for w := 0; w < workers; w++ {
		s := e.open(storage.Options{})
		kind := storage.LockShared
		if w%2 == 0 {
			kind = storage.LockExclusive
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := 0; r < rounds; r++ {
				l, err := s.Lock(e.ctx, kind, storage.LockOptions{Command: "race", Timeout: 2 * time.Minute})
				if err != nil {
					errs <- err
					return
				}
				if kind == storage.LockExclusive {
					if exclusive.Add(1) != 1 || shared.Load() != 0 {
						errs <- errors.New("an exclusive lock was held together with another lock")
					}
					exclusive.Add(-1)
				} else {
					shared.Add(1)
					if exclusive.Load() != 0 {
						errs <- errors.New("a shared lock was held together with the exclusive lock")
					}
					shared.Add(-1)
				}
				if err := l.Unlock(e.ctx); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// testStaleLocks: a lock whose holder process is gone on this host does
// not block and is removed; one just written blocks whatever its holder's
// clock says (an hour behind: the age is the store's, see
// testLockModTime); an unreadable lock object blocks and is named.
func testStaleLocks(t *testing.T, e *env) {
	s := e.open(storage.Options{})
	host, _ := os.Hostname()
	dead := exec.Command(os.Args[0], "-test.run=^$")
	if err := dead.Run(); err != nil {
		t.Fatalf("start a process to take its pid: %v", err)
	}
	now := time.Now().UTC()
	tests := []struct {
		name   string
		holder storage.LockHolder
		raw    string
		blocks string // "" when the lock is stale
	}{
		{"pid-gone", storage.LockHolder{ID: "dead-pid", Kind: storage.LockExclusive, Host: host, PID: dead.Process.Pid, Command: "gc", Created: now, Refreshed: now}, "", ""},
		{"clock-behind-other-host", storage.LockHolder{ID: "behind", Kind: storage.LockExclusive, Host: "elsewhere", PID: 1, Command: "gc", Created: now.Add(-time.Hour), Refreshed: now.Add(-time.Hour)}, "", "elsewhere"},
		{"live-other-host", storage.LockHolder{ID: "live", Kind: storage.LockExclusive, Host: "elsewhere", PID: 1, Command: "gc", Created: now, Refreshed: now}, "", "elsewhere"},
		{"unreadable", storage.LockHolder{ID: "junk"}, "{not json", "unreadable lock object locks/junk"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw := []byte(tc.raw)
			if tc.raw == "" {
				var err error
				if raw, err = storedoc.EncodeLock(tc.holder); err != nil {
					t.Fatal(err)
				}
			}
			key := "locks/" + tc.holder.ID
			if err := e.raw.WriteAll(e.ctx, key, raw, nil); err != nil {
				t.Fatal(err)
			}
			defer e.raw.Delete(e.ctx, key)
			l, err := s.Lock(e.ctx, storage.LockShared, storage.LockOptions{Command: "apply", Stale: 10 * time.Minute})
			if tc.blocks != "" {
				if err == nil || !strings.Contains(err.Error(), tc.blocks) {
					t.Fatalf("want a conflict naming %q, got %v", tc.blocks, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("a stale lock blocked: %v", err)
			}
			l.Unlock(e.ctx)
			if ok, _ := e.raw.Exists(e.ctx, key); ok {
				t.Error("the stale lock was not removed")
			}
		})
	}
}

// testLockModTime: the listing gives each lock object the time the store
// wrote it, which lock ages are measured by: within minutes of this
// host's clock (the servers run here), and rewritten by a refresh. Every
// driver gives one (file, mem, S3, GCS, Azure); one that gave none would
// have lock ages judged by the holders' clocks.
func testLockModTime(t *testing.T, e *env) {
	s := e.open(storage.Options{})
	before := time.Now()
	l, err := s.Lock(e.ctx, storage.LockShared, storage.LockOptions{Command: "apply", Refresh: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	after := time.Now()
	locks, err := s.Locks(e.ctx)
	if err != nil || len(locks) != 1 {
		t.Fatalf("locks %+v, %v", locks, err)
	}
	const bound = 5 * time.Minute
	if m := locks[0].ModTime; m.Before(before.Add(-bound)) || m.After(after.Add(bound)) {
		t.Fatalf("lock object modification time %v (zero: none), written between %v and %v", m, before, after)
	}
	l.Unlock(e.ctx)

	// A refresh rewrites it (S3 gives whole seconds: wait for the next).
	first := time.Now()
	refreshed, err := s.Lock(e.ctx, storage.LockShared, storage.LockOptions{Command: "apply", Refresh: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer refreshed.Unlock(e.ctx)
	var taken time.Time
	for deadline := time.Now().Add(time.Minute); ; {
		locks, err := s.Locks(e.ctx)
		if err != nil || len(locks) != 1 {
			t.Fatalf("locks %+v, %v", locks, err)
		}
		if taken.IsZero() {
			taken = locks[0].ModTime
		} else if locks[0].ModTime.After(taken) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("lock object taken at %v (listed %v) not rewritten by its refresh within a minute", first, taken)
		}
		time.Sleep(10 * time.Millisecond) // polling the condition, not waiting out a guess
	}
}

// testLockRefresh: a held lock is rewritten with a newer refresh time, so
// a holder that outlives the stale timeout keeps its lock.
func testLockRefresh(t *testing.T, e *env) {
	s := e.open(storage.Options{})
	l, err := s.Lock(e.ctx, storage.LockShared, storage.LockOptions{Command: "apply", Refresh: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock(e.ctx)
	deadline := time.Now().Add(time.Minute)
	for {
		locks, err := s.Locks(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(locks) == 1 && locks[0].Err == nil && locks[0].Holder.Refreshed.After(l.Holder().Created) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("lock not refreshed within a minute: %+v", locks)
		}
		time.Sleep(10 * time.Millisecond) // polling the condition, not waiting out a guess
	}
}

// testSharedLockOnOpen: a Store opened with SharedLock holds it until
// Close; gc's exclusive lock waits for it.
func testSharedLockOnOpen(t *testing.T, e *env) {
	s, err := storage.OpenBucket(e.ctx, e.raw, storage.Options{SharedLock: &storage.LockOptions{Command: "apply"}})
	if err != nil {
		t.Fatal(err)
	}
	gc := e.open(storage.Options{})
	if _, err := gc.Lock(e.ctx, storage.LockExclusive, storage.LockOptions{Command: "gc"}); err == nil || !strings.Contains(err.Error(), `"apply"`) {
		t.Fatalf("exclusive lock while a writer is open: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	l, err := gc.Lock(e.ctx, storage.LockExclusive, storage.LockOptions{Command: "gc"})
	if err != nil {
		t.Fatalf("after the writer closed: %v", err)
	}
	// And a writer cannot open while gc holds it.
	if _, err := storage.OpenBucket(e.ctx, e.raw, storage.Options{SharedLock: &storage.LockOptions{Command: "apply"}}); err == nil || !strings.Contains(err.Error(), `"gc"`) {
		t.Errorf("open for writing during gc: %v", err)
	}
	l.Unlock(e.ctx)
}
