package roundtrip

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/mlform/mlform/internal/tbrecorder"
)

func TestCheck(t *testing.T) {
	decode := func(b []byte) (int, error) { return strconv.Atoi(string(b)) }
	encode := func(n int) ([]byte, error) { return []byte(strconv.Itoa(n)), nil }
	refuses := func(int) ([]byte, error) { return nil, errors.New("no") }
	garbles := func(int) ([]byte, error) { return []byte("x"), nil }
	drifts := func(n int) ([]byte, error) { return []byte(strconv.Itoa(n + 1)), nil }
	tests := []struct {
		name      string
		data      string
		encode    func(int) ([]byte, error)
		wantOK    bool
		wantAgain int
		wantFatal string // the first failure reported; "" for none
	}{
		{"refused input", "x", encode, false, 0, ""},
		{"round trip", "042", encode, true, 42, ""},
		{"does not encode", "7", refuses, true, 0, "decoded number does not encode: no"},
		{"encoding does not decode", "7", garbles, true, 0, "re-encoded number does not decode"},
		{"encoding is not stable", "7", drifts, true, 8, "re-encoded number does not encode to the same bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A fatal failure does not stop the recorder: Check runs on.
			r := tbrecorder.New(t)
			_, again, ok := Check(r, "number", []byte(tt.data), decode, tt.encode)
			if tt.wantFatal == "" {
				if len(r.Failures) != 0 || ok != tt.wantOK || again != tt.wantAgain {
					t.Fatalf("ok=%v again=%d failures %q, want ok=%v again=%d and none", ok, again, r.Failures, tt.wantOK, tt.wantAgain)
				}
				return
			}
			if len(r.Failures) == 0 || !strings.Contains(r.Failures[0], tt.wantFatal) {
				t.Fatalf("failures %q, want the first to contain %q", r.Failures, tt.wantFatal)
			}
		})
	}
}
