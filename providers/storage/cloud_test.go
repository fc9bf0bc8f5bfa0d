package storage_test

import (
	"testing"

	"github.com/mlform/mlform/internal/cloudtest"
	"github.com/mlform/mlform/providers/storage/storagetest"
)

// TestConformanceCloud runs the store's conformance suite unchanged
// against a real S3 (versitygw), GCS (fake-gcs-server) and Azure (Azurite)
// server, each subtest on a fresh bucket; its 40 MiB file makes 16 MiB
// packs, which go multipart. Servers are started by
// scripts/cloud/with-servers.sh (make test); without them this skips.
func TestConformanceCloud(t *testing.T) {
	cloudtest.ForEach(t, func(t *testing.T, c cloudtest.Cloud) {
		storagetest.RunConformance(t, func(t *testing.T) string { return c.Bucket(t) })
	})
}
