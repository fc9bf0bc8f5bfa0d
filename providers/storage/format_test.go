package storage

import (
	"strings"
	"testing"

	"github.com/mlform/mlform/providers/storage/storedoc"
)

func TestCheckConfig(t *testing.T) {
	good := currentConfig()
	tests := []struct {
		name    string
		mutate  func(c *Config)
		wantErr string
	}{
		{"current", func(c *Config) {}, ""},
		{"older version", func(c *Config) { c.Version = 0 }, "invalid format version"},
		{"newer version", func(c *Config) { c.Version = FormatVersion + 1 }, "newer than this mlform"},
		{"other format", func(c *Config) { c.Format = "restic" }, "not an mlform store"},
		{"other hash", func(c *Config) { c.Hash = "sha256" }, "hash"},
		{"unknown algorithm", func(c *Config) { c.Chunker.Algorithm = "rabin" }, "chunking algorithm"},
		{"other min", func(c *Config) { c.Chunker.MinSize = 1 }, "chunker parameters"},
		{"other avg", func(c *Config) { c.Chunker.AvgSize = 2 << 20 }, "chunker parameters"},
		{"other max", func(c *Config) { c.Chunker.MaxSize = 8 << 20 }, "chunker parameters"},
	}
	for _, tc := range tests {
		c := good
		tc.mutate(&c)
		// Through the encoding, as Open sees it.
		dec, err := storedoc.DecodeConfig(storedoc.EncodeConfig(c))
		if err != nil {
			t.Fatalf("%s: decode: %v", tc.name, err)
		}
		err = storedoc.CheckConfig(dec, currentConfig())
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.wantErr)
		}
	}
	for _, bad := range []string{"", "{", "[]", `{"format":"mlform-store"} {}`} {
		if _, err := storedoc.DecodeConfig([]byte(bad)); err == nil {
			t.Errorf("storedoc.DecodeConfig(%q) succeeded", bad)
		}
	}
}

func TestKeys(t *testing.T) {
	id := strings.Repeat("ab", 32)
	tests := []struct {
		key string
		ok  bool
	}{
		{packKey(id), true},
		{"data/cd/" + id, false},
		{"data/ab/" + id + ".tmp", false},
		{"data/ab/" + strings.ToUpper(id), false},
		{"data/ab/../" + id[3:], false},
		{"data/" + id, false},
	}
	for _, tc := range tests {
		got, ok := packIDFromKey(tc.key)
		if ok != tc.ok || (ok && got != id) {
			t.Errorf("packIDFromKey(%q) = %q, %v; want ok=%v", tc.key, got, ok, tc.ok)
		}
	}
	if _, ok := idFromKey(manifestPrefix, manifestPrefix+id[:63]); ok {
		t.Error("short manifest id accepted")
	}
}
