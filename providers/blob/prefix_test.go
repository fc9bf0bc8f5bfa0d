package blob

import (
	"context"
	"errors"
	"io"
	"sort"
	"strings"
	"testing"

	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"

	"github.com/mlform/mlform/internal/bloburl"
)

// TestOpenPrefixConfinesKeys opens cloud URLs with a path prefix, or
// prefix=, through Open with the driver call replaced by one file bucket
// standing for the cloud bucket: the driver is given the URL without the
// path, and every object lands under its URL's prefix, never at the root;
// each prefix lists only its own keys.
func TestOpenPrefixConfinesKeys(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	var opened []string
	driver := func(ctx context.Context, u string) (*blob.Bucket, error) {
		opened = append(opened, u)
		return fileblob.OpenBucket(root, &fileblob.Options{Metadata: fileblob.MetadataDontWrite})
	}
	urls := []string{"s3://bkt/team-a/state/?region=x", "s3://bkt/team-b/state?region=x", "s3://bkt?prefix=team-c/&region=x"}
	for _, u := range urls {
		b, err := open(ctx, u, t.TempDir(), driver)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.WriteAll(ctx, "state.json", []byte(u), nil); err != nil {
			t.Fatal(err)
		}
		if keys := listKeys(t, b); len(keys) != 1 || keys[0] != "state.json" {
			t.Errorf("%s sees %v, want only its own state.json", u, keys)
		}
		b.Close()
	}
	for _, u := range opened {
		if u != "s3://bkt?region=x" {
			t.Errorf("driver opened %q, want the bucket URL without path or prefix", u)
		}
	}
	all, err := fileblob.OpenBucket(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer all.Close()
	got := listKeys(t, all)
	want := []string{"team-a/state/state.json", "team-b/state/state.json", "team-c/state.json"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("bucket keys = %v, want %v", got, want)
	}
}

// TestOpenRefusesPathAndPrefix: the refusal happens before any driver call.
func TestOpenRefusesPathAndPrefix(t *testing.T) {
	if _, err := Open(context.Background(), "mem:///team-a/?prefix=x/", t.TempDir()); !errors.Is(err, bloburl.ErrPrefixAndPath) {
		t.Errorf("Open with path and prefix=: err = %v, want bloburl.ErrPrefixAndPath", err)
	}
}

func listKeys(t *testing.T, b *blob.Bucket) []string {
	t.Helper()
	var keys []string
	it := b.List(nil)
	for {
		obj, err := it.Next(context.Background())
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, obj.Key)
	}
	sort.Strings(keys)
	return keys
}

// TestSchemesHaveDrivers: every scheme bloburl accepts has a registered
// gocloud.dev driver here (file:// is opened directly).
func TestSchemesHaveDrivers(t *testing.T) {
	for _, s := range bloburl.Schemes() {
		if s == "file" {
			continue
		}
		if !blob.DefaultURLMux().ValidBucketScheme(s) {
			t.Errorf("scheme %q is accepted but no driver is registered for it", s)
		}
	}
}
