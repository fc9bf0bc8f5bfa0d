package storage

import (
	"testing"

	"github.com/mlform/mlform/providers/storage/storedoc"
)

// FuzzDecodeConfig: decoding never panics, and a config that passes the
// check is exactly the current one.
func FuzzDecodeConfig(f *testing.F) {
	f.Add(storedoc.EncodeConfig(currentConfig()))
	f.Add([]byte(`{"format":"mlform-store","version":2}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := storedoc.DecodeConfig(data)
		if err != nil {
			return
		}
		if storedoc.CheckConfig(c, currentConfig()) == nil && c != currentConfig() {
			t.Fatalf("accepted a config other than the current one: %+v", c)
		}
	})
}
