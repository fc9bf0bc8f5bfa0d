package cli

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/mlform/mlform/internal/textfmt"
)

func TestWriteJSONReadsAsWritten(t *testing.T) {
	tests := []struct {
		in   any
		want string
	}{
		{map[string]string{"message": "dataset.d a -> b"}, "{\n  \"message\": \"dataset.d a -> b\"\n}\n"},
		{[]string{"sh", "-c", "x < y && z"}, "[\n  \"sh\",\n  \"-c\",\n  \"x < y && z\"\n]\n"},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		if err := textfmt.WriteJSON(&b, tt.in); err != nil {
			t.Fatal(err)
		}
		if b.String() != tt.want {
			t.Errorf("textfmt.WriteJSON(%v) = %q, want %q", tt.in, b.String(), tt.want)
		}
		if !json.Valid(b.Bytes()) {
			t.Errorf("not valid JSON: %s", b.String())
		}
	}
}
