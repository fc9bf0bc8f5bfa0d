package bloburl

import (
	"path/filepath"
	"testing"
)

func TestLocalPath(t *testing.T) {
	base := filepath.FromSlash("/work/ws")
	tests := []struct {
		in     string
		want   string
		wantOK bool
	}{
		{"file://.mlform/state", "/work/ws/.mlform/state", true},
		{".mlform/store", "/work/ws/.mlform/store", true},
		{"file:///abs/dir?create_dir=1", "/abs/dir", true},
		{"file://a%20b", "/work/ws/a b", true},
		{"data/../data/x", "/work/ws/data/x", true},
		{"file:///b?prefix=mlform/state/", "/b/mlform/state", true},
		{"file://rel?prefix=x", "/work/ws/rel/x", true},
		{"file:///b?prefix=../escape", "", false},
		{"file:///b?prefix=/abs", "", false},
		{"s3://bucket", "", false},
		{"mem://", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := LocalPath(tt.in, base)
			if ok != tt.wantOK || (ok && got != filepath.FromSlash(tt.want)) {
				t.Errorf("LocalPath(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
