package model

import (
	"strings"
	"testing"
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
		got, err := jobStoreURL(tt.url, "/ws")
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("jobStoreURL(%q) error = %v, want %q", tt.url, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("jobStoreURL(%q) = %q, %v; want %q", tt.url, got, err, tt.want)
		}
	}
}
