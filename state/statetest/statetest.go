// Package statetest is the conformance suite for state backends: every
// behaviour the state Manager promises (atomic writes with a backup, serial
// rules, refusal of damaged documents, locking), runnable unchanged against
// any blob URL. mlform runs it on mem:// and file://; pointing it at an
// S3, GCS or Azure server takes one call to RunManagerTests with URLBackend.
package statetest

import (
	"bytes"
	"context"
	"testing"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/mlform/mlform/internal/bloburl"
	mblob "github.com/mlform/mlform/providers/blob"
	"github.com/mlform/mlform/state/statemgr"
)

// Backend is one empty state backend under test.
type Backend struct {
	// Open returns a new Manager over the backend; every Manager from one
	// Backend sees the same objects, like separate processes would.
	Open func(t *testing.T) *statemgr.Manager
	// Put and Get write and read an object behind the Manager's back (to
	// damage a document, or check a backup byte for byte). Get returns nil
	// when the object does not exist.
	Put func(t *testing.T, name string, data []byte)
	Get func(t *testing.T, name string) []byte
}

// URLBackend returns a Backend factory for blob URLs: fresh returns the
// URL of a new, empty location (a new temporary directory, bucket or
// prefix) on each call. Relative file:// URLs resolve against baseDir.
func URLBackend(fresh func(t *testing.T) string, baseDir string) func(t *testing.T) Backend {
	return func(t *testing.T) Backend {
		url := fresh(t)
		ctx := context.Background()
		raw, err := mblob.Open(ctx, url, baseDir)
		if err != nil {
			t.Fatalf("open %s: %v", bloburl.Redact(url), err)
		}
		t.Cleanup(func() { raw.Close() })
		b := bucketAccess(raw)
		b.Open = func(t *testing.T) *statemgr.Manager {
			t.Helper()
			m, err := statemgr.OpenManager(ctx, url, baseDir)
			if err != nil {
				t.Fatalf("OpenManager(%s): %v", bloburl.Redact(url), err)
			}
			t.Cleanup(func() { m.Close() })
			return m
		}
		return b
	}
}

// BucketBackend returns a Backend factory over buckets that newBucket opens
// fresh for each test, for drivers where a URL opens a new bucket each time
// (mem://): every Manager shares the one bucket.
func BucketBackend(newBucket func(t *testing.T) *blob.Bucket) func(t *testing.T) Backend {
	return func(t *testing.T) Backend {
		bucket := newBucket(t)
		b := bucketAccess(bucket)
		b.Open = func(t *testing.T) *statemgr.Manager {
			m := statemgr.NewBucketManager(bucket, "mem://")
			t.Cleanup(func() { m.Close() })
			return m
		}
		return b
	}
}

func bucketAccess(bucket *blob.Bucket) Backend {
	return Backend{
		Put: func(t *testing.T, name string, data []byte) {
			t.Helper()
			err := bucket.Upload(context.Background(), name, bytes.NewReader(data), &blob.WriterOptions{ContentType: "application/json"})
			if err != nil {
				t.Fatalf("put %s: %v", name, err)
			}
		},
		Get: func(t *testing.T, name string) []byte {
			t.Helper()
			data, err := bucket.ReadAll(context.Background(), name)
			if gcerrors.Code(err) == gcerrors.NotFound {
				return nil
			}
			if err != nil {
				t.Fatalf("get %s: %v", name, err)
			}
			return data
		},
	}
}

// RunManagerTests runs the whole suite; newBackend returns a fresh, empty
// backend for each subtest.
func RunManagerTests(t *testing.T, newBackend func(t *testing.T) Backend) {
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, b Backend)
	}{
		{"ReadEmpty", testReadEmpty},
		{"FirstWrite", testFirstWrite},
		{"WriteRead", testWriteRead},
		{"InvalidWriteRefused", testInvalidWriteRefused},
		{"SerialOnlyOnChange", testSerialOnlyOnChange},
		{"BackupKeepsPrevious", testBackupKeepsPrevious},
		{"StaleWriteRefused", testStaleWriteRefused},
		{"LineageMismatchRefused", testLineageMismatchRefused},
		{"DamagedStateRefused", testDamagedStateRefused},
		{"ForcePushOverDamaged", testForcePushOverDamaged},
		{"PushRules", testPushRules},
		{"LockExcludes", testLockExcludes},
		{"LockWaits", testLockWaits},
		{"LockRace", testLockRace},
		{"LockCancelled", testLockCancelled},
		{"ForceUnlock", testForceUnlock},
		{"UnlockAfterTakeover", testUnlockAfterTakeover},
		{"UnreadableLock", testUnreadableLock},
		{"WriteAfterLockTaken", testWriteAfterLockTaken},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newBackend(t)) })
	}
}
