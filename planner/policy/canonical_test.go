package policy

import (
	"bytes"
	"encoding/json"
	"math"
	"math/big"
	"testing"

	"github.com/mlform/mlform/internal/exactnum"
	"github.com/mlform/mlform/internal/wanterr"
)

func TestCanonicalParams(t *testing.T) {
	tests := []struct {
		name   string
		params map[string]any
		want   string
	}{
		{"nil", nil, `{}`},
		{"sorted keys", map[string]any{"b": 1, "a": "x", "C": true}, `{"C":true,"a":"x","b":1}`},
		{"int kinds agree", map[string]any{"a": int8(30), "b": uint64(30), "c": 30.0, "d": float32(30), "e": json.Number("30.0")}, `{"a":30,"b":30,"c":30,"d":30,"e":30}`},
		{"fractions", map[string]any{"lr": 0.05, "big": new(big.Float).SetFloat64(0.05)}, `{"big":0.05,"lr":0.05}`},
		{"big.Float from text", map[string]any{"lr": mustBigFloat("0.05")}, `{"lr":0.05}`},
		{"big.Int", map[string]any{"seed": big.NewInt(42)}, `{"seed":42}`},
		{"negative zero", map[string]any{"z": math.Copysign(0, -1)}, `{"z":0}`},
		{"large and tiny", map[string]any{"l": 1e21, "t": 1e-7, "i": 1e20}, `{"i":100000000000000000000,"l":1e+21,"t":1e-07}`},
		{"nested", map[string]any{"opt": map[string]any{"b": []any{1, "two", nil}, "a": []int{3, 4}}}, `{"opt":{"a":[3,4],"b":[1,"two",null]}}`},
		{"typed map", map[string]any{"m": map[string]int{"y": 2, "x": 1}}, `{"m":{"x":1,"y":2}}`},
		{"escaping", map[string]any{"q\"k": "a<b>\n"}, `{"q\"k":"a\u003cb\u003e\n"}`},
		{"integers float64 cannot hold keep their digits", map[string]any{
			"a": json.Number("12345678901234567891"), "b": mustBigFloat("9007199254740993"),
			"c": new(big.Int).SetUint64(18446744073709551615), "d": json.Number("9007199254740992"),
		}, `{"a":12345678901234567891,"b":9007199254740993,"c":18446744073709551615,"d":9007199254740992}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CanonicalParams(tt.params)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Fatalf("got %s\nwant %s", got, tt.want)
			}
			if !json.Valid(got) {
				t.Fatalf("not valid JSON: %s", got)
			}
		})
	}
}

func mustBigFloat(s string) *big.Float {
	f, _, err := big.ParseFloat(s, 10, 512, big.ToNearestEven)
	if err != nil {
		panic(err)
	}
	return f
}

func TestCanonicalParamsErrors(t *testing.T) {
	tests := []struct {
		name   string
		params map[string]any
		want   string
	}{
		{"NaN", map[string]any{"x": math.NaN()}, "params.x: NaN is not a finite number"},
		{"Inf nested", map[string]any{"x": []any{1, math.Inf(1)}}, "params.x[1]: +Inf"},
		{"big overflow", map[string]any{"x": new(big.Float).SetMantExp(big.NewFloat(1), 5000)}, "params.x: +Inf"},
		{"func", map[string]any{"f": func() {}}, "params.f: unsupported value of type func()"},
		{"int keys", map[string]any{"m": map[int]int{1: 2}}, "params.m: map keys must be strings"},
		{"bad number", map[string]any{"n": json.Number("zz")}, `params.n: invalid number "zz"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := CanonicalParams(tt.params)
			wanterr.Check(t, err, tt.want)
		})
	}
}

// TestNormalizeParamsRoundTrip checks the property that makes digests
// stable: params read back from state canonicalise to the same bytes.
func TestNormalizeParamsRoundTrip(t *testing.T) {
	in := map[string]any{"lr": mustBigFloat("0.05"), "epochs": 30, "layers": []int{64, 32}, "name": "x", "opt": map[string]any{"beta": 0.9},
		"seed": mustBigFloat("12345678901234567891")}
	norm, err := NormalizeParams(in)
	if err != nil {
		t.Fatal(err)
	}
	if norm["seed"] != json.Number("12345678901234567891") {
		t.Fatalf("normalized seed %#v, want every digit", norm["seed"])
	}
	stored, _ := json.Marshal(norm)
	// As state decodes it (state/decode.go).
	dec := json.NewDecoder(bytes.NewReader(stored))
	dec.UseNumber()
	var back map[string]any
	if err := dec.Decode(&back); err != nil {
		t.Fatal(err)
	}
	exactnum.Floats(back)
	a, _ := CanonicalParams(in)
	b, _ := CanonicalParams(back)
	if string(a) != string(b) {
		t.Fatalf("canonical form changed across a state round trip:\n%s\n%s", a, b)
	}
}

// FuzzCanonicalParams: any JSON object canonicalises to valid JSON that is
// a fixed point (canonicalising its decoding gives the same bytes).
func FuzzCanonicalParams(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1,"b":[1,2,{"c":0.5}]}`, `{"x":1e300,"y":-0.0,"z":"\u00e9"}`, `{"n":null,"t":true}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var m map[string]any
		if json.Unmarshal([]byte(s), &m) != nil {
			return
		}
		a, err := CanonicalParams(m)
		if err != nil {
			t.Fatalf("decoded JSON must canonicalise: %v", err)
		}
		var back map[string]any
		if err := json.Unmarshal(a, &back); err != nil {
			t.Fatalf("canonical form is not JSON: %s: %v", a, err)
		}
		b, err := CanonicalParams(back)
		if err != nil || string(a) != string(b) {
			t.Fatalf("not a fixed point:\n%s\n%s (%v)", a, b, err)
		}
	})
}
