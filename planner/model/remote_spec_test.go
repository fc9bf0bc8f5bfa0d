package model

import (
	"testing"

	"github.com/mlform/mlform/internal/wanterr"
)

func TestJobStoreURL(t *testing.T) {
	tests := []struct{ url, want, err string }{
		{"file://.mlform/store", "file:///ws/.mlform/store", ""},
		{"file:///shared/store", "file:///shared/store", ""},
		{".mlform/store", "file:///ws/.mlform/store", ""},
		{"s3://bucket/store?region=eu-west-1", "s3://bucket/store?region=eu-west-1", ""},
		{"mem://x", "", "cannot be reached by a remote job"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			got, err := jobStoreURL(tt.url, "/ws")
			if wanterr.Check(t, err, tt.err) {
				return
			}
			if got != tt.want {
				t.Errorf("jobStoreURL(%q) = %q, want %q", tt.url, got, tt.want)
			}
		})
	}
}
