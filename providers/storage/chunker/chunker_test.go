package chunker

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"testing/iotest"
)

func TestSizeOf(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "x")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.Write(make([]byte, 1234))
	tests := []struct {
		name string
		r    any
		want int64
	}{
		{"file", f, 1234},
		{"bytes", bytes.NewReader(make([]byte, 7)), 7},
		{"string", strings.NewReader("abc"), 3},
		{"unknown", iotest.OneByteReader(strings.NewReader("abc")), -1},
	}
	for _, tc := range tests {
		r, _ := tc.r.(interface{ Read([]byte) (int, error) })
		if got := SizeOf(r); got != tc.want {
			t.Errorf("%s: sizeOf = %d, want %d", tc.name, got, tc.want)
		}
	}
}
