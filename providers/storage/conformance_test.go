package storage_test

import (
	"path/filepath"
	"testing"

	"github.com/mlform/mlform/providers/storage/storagetest"
)

func TestConformanceMem(t *testing.T) {
	storagetest.RunConformance(t, func(t *testing.T) string { return "mem://" })
}

func TestConformanceFile(t *testing.T) {
	storagetest.RunConformance(t, func(t *testing.T) string {
		return "file://" + filepath.Join(t.TempDir(), "store")
	})
}
