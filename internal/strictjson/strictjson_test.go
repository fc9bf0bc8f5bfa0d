package strictjson

import (
	"strings"
	"testing"

	"github.com/mlform/mlform/internal/wanterr"
)

func TestDecode(t *testing.T) {
	type doc struct {
		A int `json:"a"`
	}
	tests := []struct {
		name, in, wantErr string
	}{
		{"ok", `{"a": 1}`, ""},
		{"too large", strings.Repeat(" ", 60) + `{"a": 1}`, "thing is 68 bytes, more than 64"},
		{"not json", `{"a":`, "thing is not valid JSON"},
		{"unknown field", `{"b": 1}`, `unknown field "b"`},
		{"trailing", `{"a": 1}{}`, "thing has data after its JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d doc
			err := Decode([]byte(tt.in), 64, &d, "thing")
			if wanterr.Check(t, err, tt.wantErr) {
				return
			}
			if d.A != 1 {
				t.Fatalf("decoded %+v", d)
			}
		})
	}
}
