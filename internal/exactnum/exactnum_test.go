package exactnum

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestInteger(t *testing.T) {
	tests := []struct {
		text, want string
		exact      bool
	}{
		{"12345678901234567891", "12345678901234567891", true},
		{"9007199254740993", "9007199254740993", true},   // 2^53+1
		{"-9007199254740993", "-9007199254740993", true}, // negative too
		{"9007199254740992", "", false},                  // 2^53: float64 holds it
		{"30", "", false},
		{"0.1", "", false},                                         // not an integer: a float as always
		{"9007199254740993.5", "", false},                          // not an integer
		{"1.2345678901234567891e19", "12345678901234567891", true}, // exponent form of an integer
		{"1e30", "", false},                                        // from 1e21 on: exponent form, a float
		{"1e999", "", false},
		{"nope", "", false},
	}
	for _, tt := range tests {
		got, exact := Integer(tt.text)
		if got != tt.want || exact != tt.exact {
			t.Errorf("Integer(%q) = %q, %v; want %q, %v", tt.text, got, exact, tt.want, tt.exact)
		}
	}
}

func TestFloats(t *testing.T) {
	in := map[string]any{
		"seed":   json.Number("12345678901234567891"),
		"lr":     json.Number("0.05"),
		"epochs": json.Number("30"),
		"layers": []any{json.Number("64"), json.Number("9007199254740993"), "x", true, nil},
		"nested": map[string]any{"n": json.Number("1e2")},
	}
	want := map[string]any{
		"seed":   json.Number("12345678901234567891"),
		"lr":     0.05,
		"epochs": 30.0,
		"layers": []any{64.0, json.Number("9007199254740993"), "x", true, nil},
		"nested": map[string]any{"n": 100.0},
	}
	if got := Floats(in); !reflect.DeepEqual(got, want) {
		t.Fatalf("Floats = %#v\nwant %#v", got, want)
	}
}
