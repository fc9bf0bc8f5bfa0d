package storage_test

import (
	"context"
	"strings"
	"testing"

	"github.com/mlform/mlform/internal/cloudtest"
	"github.com/mlform/mlform/internal/raceflag"
	"github.com/mlform/mlform/providers/storage"
	"github.com/mlform/mlform/providers/storage/storagetest"
)

// TestConformanceCloud runs the store's conformance suite unchanged
// against a real S3 (versitygw), GCS (fake-gcs-server) and Azure (Azurite)
// server, each subtest on a fresh bucket; its 40 MiB file makes 16 MiB
// packs, which go multipart. Servers are started by
// scripts/cloud/with-servers.sh (make test); without them this skips.
func TestConformanceCloud(t *testing.T) {
	if raceflag.Enabled {
		// The store's concurrent code (pack uploads, index writes, locks)
		// is the same over every bucket, and the conformance suite runs
		// it under -race on mem:// and file://. Over the three servers it
		// was the -race pass's longest test (about a minute of CPU with
		// the servers'); the pass without -race runs it.
		t.Skip("the suite runs under -race on mem:// and file://; run without -race")
	}
	cloudtest.ForEach(t, func(t *testing.T, c cloudtest.Cloud) {
		storagetest.RunConformance(t, func(t *testing.T) string { return c.Bucket(t) })
	})
}

// TestOpenMissingBucketCloud: a store url naming a bucket that does not
// exist fails saying so, not with a bare "config: not found" (the driver
// reports a write to a missing bucket as NotFound).
func TestOpenMissingBucketCloud(t *testing.T) {
	cloudtest.ForEach(t, func(t *testing.T, c cloudtest.Cloud) {
		url := c.Bucket(t)
		scheme, rest, _ := strings.Cut(url, "://")
		i := strings.IndexAny(rest, "/?")
		if i < 0 {
			i = len(rest)
		}
		url = scheme + "://mlf-no-such-bucket-7f3a/store/" + strings.TrimPrefix(rest[i:], "/")
		s, err := storage.Open(context.Background(), url, storage.Options{BaseDir: t.TempDir()})
		if err == nil {
			s.Close()
			t.Fatalf("Open(%s) of a missing bucket succeeded", url)
		}
		if !strings.Contains(err.Error(), "mlf-no-such-bucket-7f3a") || !strings.Contains(err.Error(), "the bucket does not exist") {
			t.Errorf("Open of a missing bucket: err = %v, want one naming it and saying it does not exist", err)
		}
		cloudtest.CheckNoSecrets(t, "open error", err.Error())
	})
}
