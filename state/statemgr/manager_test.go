package statemgr_test

import (
	"path/filepath"
	"testing"

	"gocloud.dev/blob"
	"gocloud.dev/blob/memblob"

	"github.com/mlform/mlform/state/statetest"
)

func TestManagerFile(t *testing.T) {
	statetest.RunManagerTests(t, statetest.URLBackend(func(t *testing.T) string {
		return "file://" + filepath.Join(t.TempDir(), "state")
	}, ""))
}

func TestManagerFileRelative(t *testing.T) {
	base := t.TempDir()
	statetest.RunManagerTests(t, statetest.URLBackend(func(t *testing.T) string {
		rel, err := filepath.Rel(base, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return "file://" + rel
	}, base))
}

func TestManagerMem(t *testing.T) {
	statetest.RunManagerTests(t, statetest.BucketBackend(func(t *testing.T) *blob.Bucket {
		b := memblob.OpenBucket(nil)
		t.Cleanup(func() { b.Close() })
		return b
	}))
}

func TestManagerMemPrefixed(t *testing.T) {
	statetest.RunManagerTests(t, statetest.BucketBackend(func(t *testing.T) *blob.Bucket {
		b := blob.PrefixedBucket(memblob.OpenBucket(nil), "team/a/")
		t.Cleanup(func() { b.Close() })
		return b
	}))
}
