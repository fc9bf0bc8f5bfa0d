package provenance

import (
	"strings"
	"testing"

	"github.com/mlform/mlform/internal/roundtrip"
	"github.com/mlform/mlform/internal/wanterr"
)

func TestDecode(t *testing.T) {
	good := &Environment{FormatVersion: 1, Name: "trainer", Executor: "local",
		Files:    []File{{Path: "requirements.txt", Content: "numpy==2.1\n"}},
		Captures: []Capture{{Command: "python3 --version", Output: "Python 3.12.1\n"}}}
	enc, err := Encode(good)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, in, wantErr string
	}{
		{name: "round trip", in: string(enc)},
		{name: "unknown field", in: `{"format_version":1,"executor":"local","x":1}`, wantErr: "unknown field"},
		{name: "newer format", in: `{"format_version":2,"executor":"local"}`, wantErr: "format_version 2 is not 1"},
		{name: "trailing data", in: string(enc) + `{}`, wantErr: "environment record: data after the JSON value"},
		{name: "not json", in: `nope`, wantErr: "environment record"},
		{name: "oversized output", in: `{"format_version":1,"executor":"l","captures":[{"command":"c","exit_code":0,"output":"` + strings.Repeat("a", MaxText+1) + `"}]}`, wantErr: "too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Decode([]byte(tt.in))
			if tt.wantErr != "" {
				wanterr.Check(t, err, tt.wantErr)
				return
			}
			if err != nil || e.Captures[0].Output != "Python 3.12.1\n" || e.Files[0].Content != "numpy==2.1\n" {
				t.Fatalf("Decode = %+v, %v", e, err)
			}
		})
	}
}

func TestCut(t *testing.T) {
	s := strings.Repeat("é", MaxText) // 2 bytes each
	c, cut := Cut(s)
	if !cut || len(c) > MaxText || !strings.HasPrefix(s, c) || strings.ContainsRune(c, '\uFFFD') {
		t.Fatalf("Cut: %d bytes, cut=%v", len(c), cut)
	}
	if c, cut := Cut("short"); cut || c != "short" {
		t.Fatalf("Cut(short) = %q, %v", c, cut)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"format_version":1,"executor":"local","files":[{"path":"a","content":"b"}]}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		roundtrip.Check(t, "record", b, Decode, Encode)
	})
}
