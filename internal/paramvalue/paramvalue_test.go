package paramvalue

import (
	"encoding/json"
	"math"
	"math/big"
	"reflect"
	"testing"
)

func TestCanonical(t *testing.T) {
	huge, _ := new(big.Int).SetString("123456789012345678901234567890", 10)
	tests := []struct {
		name    string
		in      any
		want    any
		wantErr string // Error() of the refusal; "" for none
	}{
		{"nil", nil, nil, ""},
		{"string", "sgd", "sgd", ""},
		{"bool", true, true, ""},
		{"int", 30, json.Number("30"), ""},
		{"int64 beyond float64", int64(1<<53 + 1), json.Number("9007199254740993"), ""},
		{"uint8", uint8(7), json.Number("7"), ""},
		{"float64 decimal", 0.05, json.Number("0.05"), ""},
		{"negative zero", math.Copysign(0, -1), json.Number("0"), ""},
		{"float32", float32(0.5), json.Number("0.5"), ""},
		{"big.Float from HCL", mustBig("0.1"), json.Number("0.1"), ""},
		{"big.Float integer", mustBig("1e30"), json.Number("1000000000000000000000000000000"), ""},
		{"big.Int", huge, json.Number("123456789012345678901234567890"), ""},
		{"json.Number exponent", json.Number("1e3"), json.Number("1000"), ""},
		{"nil big.Float", (*big.Float)(nil), nil, ""},
		{"typed slice", []int{1, 2}, []any{json.Number("1"), json.Number("2")}, ""},
		{"typed map", map[string]float64{"a": 1.5}, map[string]any{"a": json.Number("1.5")}, ""},
		{"pointer", func() any { x := 3; return &x }(), json.Number("3"), ""},
		{"nested", map[string]any{"grid": []any{1, "a"}}, map[string]any{"grid": []any{json.Number("1"), "a"}}, ""},
		{"NaN", math.NaN(), nil, "NaN is not a finite number"},
		{"Inf nested", []any{1, math.Inf(1)}, nil, "[1]: +Inf is not a finite number"},
		{"Inf in a map", map[string]any{"lr": math.Inf(-1)}, nil, "lr: -Inf is not a finite number"},
		{"bad json.Number", json.Number("zz"), nil, `invalid number "zz"`},
		{"int keys", map[int]int{1: 2}, nil, "map keys must be strings, not int"},
		{"func", func() {}, nil, "unsupported value of type func()"},
		{"struct", struct{}{}, nil, "unsupported value of type struct {}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Canonical(tt.in)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Canonical(%#v) = %#v, want %#v", tt.in, got, tt.want)
			}
		})
	}
}

func mustBig(s string) *big.Float {
	f, _, err := big.ParseFloat(s, 10, 512, big.ToNearestEven)
	if err != nil {
		panic(err)
	}
	return f
}
