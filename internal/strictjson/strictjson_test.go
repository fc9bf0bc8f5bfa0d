package strictjson

import (
	"encoding/json"
	"errors"
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
		// json.Decoder.More is false before these: they were accepted.
		{"stray brace", `{"a": 1}}`, "thing has data after its JSON object"},
		{"stray bracket", `{"a": 1} ]`, "thing has data after its JSON object"},
		{"white space after", "{\"a\": 1}\r\n\t ", ""},
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

func TestUnmarshal(t *testing.T) {
	type doc struct {
		A any `json:"a"`
	}
	tests := []struct {
		name, in string
		opts     Option
		want     any
		wantErr  string
	}{
		{"float by default", `{"a": 9007199254740993}`, 0, float64(9007199254740992), ""},
		{"exact numbers", `{"a": 9007199254740993}`, ExactNumbers, json.Number("9007199254740993"), ""},
		{"unknown field allowed", `{"a": 1, "b": 2}`, 0, float64(1), ""},
		{"unknown field refused", `{"a": 1, "b": 2}`, KnownFields, nil, `unknown field "b"`},
		{"stray brace", `{"a": 1}}`, 0, nil, "data after the JSON value"},
		{"second value", `{"a": 1} 2`, 0, nil, "data after the JSON value"},
		{"empty", ``, 0, nil, "EOF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d doc
			err := Unmarshal([]byte(tt.in), &d, tt.opts)
			if wanterr.Check(t, err, tt.wantErr) {
				if tt.wantErr == "data after the JSON value" && !errors.Is(err, ErrTrailingData) {
					t.Fatalf("error %v is not ErrTrailingData", err)
				}
				return
			}
			if d.A != tt.want {
				t.Fatalf("a = %#v, want %#v", d.A, tt.want)
			}
		})
	}
}
