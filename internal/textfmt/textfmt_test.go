package textfmt

import (
	"math"
	"strings"
	"testing"
)

func TestBytes(t *testing.T) {
	tests := []struct {
		in   int64
		want string
	}{
		{0, "0 B"},
		{1023, "1023 B"},
		{1024, "1.0 KiB"},
		{1536, "1.5 KiB"},
		{5 << 20, "5.0 MiB"},
		{3 << 40, "3.0 TiB"},
		{-2048, "-2.0 KiB"},
		{1 << 62, "4.0 EiB"},
	}
	for _, tt := range tests {
		if got := Bytes(tt.in); got != tt.want {
			t.Errorf("Bytes(%d) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFiles(t *testing.T) {
	for n, want := range map[int]string{0: "0 files", 1: "1 file", 2: "2 files"} {
		if got := Files(n); got != want {
			t.Errorf("Files(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestJSONAsWritten: commands and parameters print as written, without
// HTML escaping, on one line, with map keys sorted.
func TestJSONAsWritten(t *testing.T) {
	tests := []struct {
		in   any
		want string
	}{
		{[]string{"./train", "--min=a>b", "x&y"}, `["./train","--min=a>b","x&y"]`},
		{map[string]any{"lr": 0.05, "tag": "<v2>"}, `{"lr":0.05,"tag":"<v2>"}`},
		{nil, "null"},
		{[]string{"sh", "-c", "train > log && echo <done>"}, `["sh","-c","train > log && echo <done>"]`},
		{"a<b", `"a<b"`},
		{0.05, "0.05"},
		{map[string]any{"b": 1.0, "a": []any{"x", true}}, `{"a":["x",true],"b":1}`},
	}
	for _, tt := range tests {
		if got := JSON(tt.in); got != tt.want {
			t.Errorf("JSON(%v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestWriteJSON(t *testing.T) {
	var b strings.Builder
	if err := WriteJSON(&b, map[string]any{"cmd": "a > b && c<d", "n": []int{1}}); err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"cmd\": \"a > b && c<d\",\n  \"n\": [\n    1\n  ]\n}\n"
	if b.String() != want {
		t.Errorf("WriteJSON = %q, want %q", b.String(), want)
	}
	if _, err := Marshal(math.NaN()); err == nil {
		t.Error("Marshal(NaN) succeeded: JSON has no NaN")
	}
	if err := WriteJSON(&b, math.Inf(1)); err == nil {
		t.Error("WriteJSON(+Inf) succeeded")
	}
}

func TestCount(t *testing.T) {
	tests := []struct {
		n    int
		noun string
		want string
	}{
		{0, "snapshot", "0 snapshots"},
		{1, "snapshot", "1 snapshot"},
		{1, "file", "1 file"},
		{2, "file", "2 files"},
		{1, "unreferenced manifest", "1 unreferenced manifest"},
		{3, "unreferenced manifest", "3 unreferenced manifests"},
		{2, "policy", "2 policies"},
		{2, "day", "2 days"},
		{2, "index", "2 indexes"},
		{2, "batch", "2 batches"},
		{2, "class", "2 classes"},
		{-1, "file", "-1 file"},
		{0, "", "0 "},
	}
	for _, tt := range tests {
		if got := Count(tt.n, tt.noun); got != tt.want {
			t.Errorf("Count(%d, %q) = %q, want %q", tt.n, tt.noun, got, tt.want)
		}
	}
	if got := CountAs(2, "forgotten", "forgotten"); got != "2 forgotten" {
		t.Errorf("CountAs = %q", got)
	}
	if got := CountAs(1, "child", "children"); got != "1 child" {
		t.Errorf("CountAs = %q", got)
	}
}
