package source

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"

	gblob "gocloud.dev/blob"
	"gocloud.dev/blob/memblob"
)

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// openSource opens spec relative to base, failing the test on an error; the
// source is closed when the test ends.
func openSource(t *testing.T, spec, base string) Source {
	t.Helper()
	s, err := Open(context.Background(), spec, base)
	if err != nil {
		t.Fatalf("Open(%q): %v", spec, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func walkAll(t *testing.T, s Source) []Entry {
	t.Helper()
	var out []Entry
	if err := s.Walk(context.Background(), func(e Entry) error { out = append(out, e); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func pathsOf(es []Entry) string {
	var p []string
	for _, e := range es {
		p = append(p, e.Path)
	}
	return strings.Join(p, ",")
}

func TestLocalWalk(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "b.csv"), "bb")
	write(t, filepath.Join(dir, "a", "z.csv"), "zzz")
	write(t, filepath.Join(dir, "a", "deep", "er", "x"), "")
	write(t, filepath.Join(dir, "a-b"), "1") // sorts between "a/..." paths and "b.csv" by bytes
	os.MkdirAll(filepath.Join(dir, "empty"), 0o755)
	outside := filepath.Join(t.TempDir(), "secret")
	write(t, outside, "secret")
	symlinks := os.Symlink(outside, filepath.Join(dir, "link")) == nil
	os.Symlink("a", filepath.Join(dir, "dirlink")) // a link to a directory is not descended

	for _, spec := range []string{dir, "file://" + dir} {
		s := openSource(t, spec, "/nonexistent-base")
		es := walkAll(t, s)
		want := "a-b,a/deep/er/x,a/z.csv,b.csv"
		if symlinks {
			want = "a-b,a/deep/er/x,a/z.csv,b.csv,dirlink,link"
		}
		if got := pathsOf(es); got != want {
			t.Fatalf("%s: paths %q, want %q", spec, got, want)
		}
		for _, e := range es {
			switch e.Path {
			case "a/z.csv":
				if e.Size != 3 || !e.Regular() || e.MtimeNs == 0 || (runtime.GOOS == "linux" && (e.Inode == 0 || e.CtimeNs == 0)) {
					t.Errorf("a/z.csv entry %+v", e)
				}
			case "link", "dirlink":
				if e.Mode&fs.ModeSymlink == 0 || e.Regular() {
					t.Errorf("%s reported as %v, want a symlink", e.Path, e.Mode)
				}
			}
		}
		if !s.Local() || s.String() != dir {
			t.Errorf("Local() %v String() %q", s.Local(), s.String())
		}
	}
}

func TestLocalRelativeToBase(t *testing.T) {
	base := t.TempDir()
	write(t, filepath.Join(base, "data", "churn", "x.csv"), "x")
	for _, spec := range []string{"data/churn", "file://data/churn", "./data/churn/"} {
		s := openSource(t, spec, base)
		if got := pathsOf(walkAll(t, s)); got != "x.csv" {
			t.Errorf("%s: %q", spec, got)
		}
	}
}

func TestLocalSingleFile(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "one.csv"), "a,b\n")
	write(t, filepath.Join(dir, "other.csv"), "no")
	s := openSource(t, filepath.Join(dir, "one.csv"), "")
	es := walkAll(t, s)
	if pathsOf(es) != "one.csv" || es[0].Size != 4 {
		t.Fatalf("entries %+v", es)
	}
	if _, err := s.Open(context.Background(), "other.csv"); err == nil {
		t.Fatal("a single-file source opened a sibling")
	}
	rc, err := s.Open(context.Background(), "one.csv")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != "a,b\n" {
		t.Fatalf("read %q", b)
	}
}

func TestLocalOpenStaysInside(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "ds")
	write(t, filepath.Join(dir, "ok"), "ok")
	write(t, filepath.Join(parent, "secret"), "secret")
	os.Symlink("../secret", filepath.Join(dir, "up"))
	os.Symlink(filepath.Join(parent, "secret"), filepath.Join(dir, "abs"))
	os.Symlink(parent, filepath.Join(dir, "dirup"))
	s := openSource(t, dir, "")
	for _, p := range []string{"../secret", "/etc/passwd", "up", "abs", "dirup/secret", "a/../../secret", "missing", ""} {
		rc, err := s.Open(context.Background(), p)
		if err == nil {
			b, _ := io.ReadAll(rc)
			rc.Close()
			t.Errorf("Open(%q) succeeded, read %q", p, b)
		}
	}
	if rc, err := s.Open(context.Background(), "ok"); err != nil {
		t.Errorf("Open(ok): %v", err)
	} else {
		rc.Close()
	}
}

func TestOpenErrors(t *testing.T) {
	tests := []struct {
		spec, want, secret string
	}{
		{"", "dataset source is empty", ""},
		{"/definitely/not/here", "does not exist", ""},
		{"ftp://user:hunter2@host/data", "unsupported URL scheme", "hunter2"},
		{"s3://bucket/a/../../b", "key prefix", ""},
	}
	for _, tt := range tests {
		_, err := Open(context.Background(), tt.spec, "")
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Open(%q) error = %v, want %q", tt.spec, err, tt.want)
		}
		if tt.secret != "" && err != nil && strings.Contains(err.Error(), tt.secret) {
			t.Errorf("Open(%q) error leaks the password: %v", tt.spec, err)
		}
	}
}

func memBucket(t *testing.T, objects map[string]string) *gblob.Bucket {
	t.Helper()
	b := memblob.OpenBucket(nil)
	for k, v := range objects {
		if err := b.WriteAll(context.Background(), k, []byte(v), nil); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

func TestBucketWalk(t *testing.T) {
	b := memBucket(t, map[string]string{
		"data/x.csv": "xx", "data/sub/y.csv": "yyy", "data/marker/": "", "datax/no": "n", "other/z": "z",
	})
	s := FromBucket(gblob.PrefixedBucket(b, "data/"), "mem://test/data")
	defer s.Close()
	es := walkAll(t, s)
	if got := pathsOf(es); got != "sub/y.csv,x.csv" {
		t.Fatalf("paths %q", got)
	}
	if es[1].Size != 2 || es[1].Digest == "" || s.Local() {
		t.Errorf("x.csv entry %+v", es[1])
	}
	rc, err := s.Open(context.Background(), "sub/y.csv")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(got, []byte("yyy")) {
		t.Fatalf("read %q", got)
	}
	if _, err := s.Open(context.Background(), "../other/z"); err == nil {
		t.Fatal("Open escaped the prefix")
	}
}

// TestBucketListsUnsafeKeys: a key that is not a clean relative path is
// listed as it is, for the observer to refuse when included (and to leave
// out when excluded), and Open never reads it.
func TestBucketListsUnsafeKeys(t *testing.T) {
	for _, key := range []string{"a/../../etc/passwd", "a//b", "/abs"} {
		s := FromBucket(memBucket(t, map[string]string{"ok": "1", key: "evil"}), "mem://")
		var got []string
		err := s.Walk(context.Background(), func(e Entry) error { got = append(got, e.Path); return nil })
		if err != nil || !slices.Contains(got, key) || !slices.Contains(got, "ok") {
			t.Errorf("key %q: walk listed %q, error %v", key, got, err)
		}
		if _, err := s.Open(context.Background(), key); err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("key %q: Open error = %v", key, err)
		}
		s.Close()
	}
}

func TestWalkStopsOnCallbackError(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "a"), "1")
	write(t, filepath.Join(dir, "b"), "2")
	s := openSource(t, dir, "")
	stop := io.ErrShortWrite
	n := 0
	err := s.Walk(context.Background(), func(Entry) error { n++; return stop })
	if err != stop || n != 1 {
		t.Fatalf("err %v after %d calls", err, n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Walk(ctx, func(Entry) error { return nil }); err == nil {
		t.Fatal("cancelled walk succeeded")
	}
}

func TestWalkUnreadableDirectory(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads every directory")
	}
	dir := t.TempDir()
	write(t, filepath.Join(dir, "locked", "x"), "x")
	os.Chmod(filepath.Join(dir, "locked"), 0)
	defer os.Chmod(filepath.Join(dir, "locked"), 0o755)
	s := openSource(t, dir, "")
	err := s.Walk(context.Background(), func(Entry) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "locked") {
		t.Fatalf("error = %v, want one naming the unreadable directory", err)
	}
}

// TestWalkOrderIsLexical builds trees whose names sort differently as
// elements and as paths ("a-b" < "a/x" < "a0") and checks the parallel
// walk reports exactly sort.Strings order.
func TestWalkOrderIsLexical(t *testing.T) {
	names := []string{"a", "a-b", "a.txt", "a0", "b", "A", "_", "a b", "ä"}
	for seed := 0; seed < 5; seed++ {
		dir := t.TempDir()
		var want []string
		for i, n := range names {
			for j, m := range names {
				if (i+j+seed)%3 == 0 {
					continue // n is a file at the top instead
				}
				p := n + "/" + m
				if (i*j+seed)%4 == 0 {
					p = n + "/" + m + "/deep"
				}
				write(t, filepath.Join(dir, filepath.FromSlash(p)), "x")
				want = append(want, p)
			}
			if (i+seed)%3 == 0 {
				if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
					write(t, filepath.Join(dir, n+".f"), "x")
					want = append(want, n+".f")
				}
			}
		}
		sort.Strings(want)
		s := openSource(t, dir, "")
		if got := pathsOf(walkAll(t, s)); got != strings.Join(want, ",") {
			t.Fatalf("seed %d:\n got %s\nwant %s", seed, got, strings.Join(want, ","))
		}
	}
}
