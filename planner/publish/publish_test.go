package publish

import (
	"strings"
	"testing"
)

func TestPublishedPaths(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{`{"files":[{"path":"model.json"},{"path":"sub/w.bin"}]}`, "model.json,sub/w.bin"},
		{`{"files":[{"path":"../escape"},{"path":"/abs"},{"path":"a/../b"},{"path":"mlform-manifest.json"},{"path":"ok"}]}`, "ok"},
		{`not json`, ""},
		{`{"files":"x"}`, ""},
		{``, ""},
	}
	for _, tt := range tests {
		if got := strings.Join(publishedPaths([]byte(tt.in)), ","); got != tt.want {
			t.Errorf("publishedPaths(%s) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzPublishedPaths: whatever a bucket holds, only clean relative paths
// come out, so deleting stale files never leaves the publish prefix.
func FuzzPublishedPaths(f *testing.F) {
	f.Add([]byte(`{"files":[{"path":"model.json","size":3,"hash":"ab"}]}`))
	f.Add([]byte(`{"files":[{"path":"../../etc/passwd"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, p := range publishedPaths(b) {
			if p == "" || strings.HasPrefix(p, "/") || strings.Contains(p, "\\") || p == ManifestName {
				t.Fatalf("unsafe path %q", p)
			}
			for _, seg := range strings.Split(p, "/") {
				if seg == ".." || seg == "." || seg == "" {
					t.Fatalf("unsafe path %q", p)
				}
			}
		}
	})
}
