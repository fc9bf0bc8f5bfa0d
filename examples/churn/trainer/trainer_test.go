package main

import (
	"math"
	"os"
	"strings"
	"testing"
)

func writeFile(path, content string) error { return os.WriteFile(path, []byte(content), 0o644) }

// The portable functions agree with the math package to within a few units
// in the last place (math.Exp's assembly rounds differently) over the range
// training uses and beyond.
func TestPortableExpLog(t *testing.T) {
	ulps := func(a, b float64) uint64 {
		x, y := math.Float64bits(a), math.Float64bits(b)
		if x > y {
			return x - y
		}
		return y - x
	}
	for i := -95900; i <= 95900; i++ {
		x := float64(i) / 137.0 // -700..700, inside both overflow bounds
		if got, want := portableExp(x), math.Exp(x); ulps(got, want) > 4 && !(math.IsInf(got, 1) && math.IsInf(want, 1)) {
			t.Fatalf("portableExp(%v) = %v, math.Exp = %v", x, got, want)
		}
		if x <= 0 {
			continue
		}
		if got, want := portableLog(x), math.Log(x); ulps(got, want) > 4 {
			t.Fatalf("portableLog(%v) = %v, math.Log = %v", x, got, want)
		}
	}
	specials := []struct {
		name      string
		got, want float64
	}{
		{"exp(0)", portableExp(0), 1},
		{"exp(-inf)", portableExp(math.Inf(-1)), 0},
		{"exp(800)", portableExp(800), math.Inf(1)},
		{"exp(-800)", portableExp(-800), 0},
		{"log(1)", portableLog(1), 0},
		{"log(0)", portableLog(0), math.Inf(-1)},
		{"log(1e-15)", portableLog(1e-15), math.Log(1e-15)},
	}
	for _, s := range specials {
		if s.got != s.want {
			t.Errorf("%s = %v, want %v", s.name, s.got, s.want)
		}
	}
	if !math.IsNaN(portableLog(-1)) || !math.IsInf(portableExp(math.Inf(1)), 1) {
		t.Error("log(-1) must be NaN and exp(+Inf) +Inf")
	}
}

func TestReadParams(t *testing.T) {
	tests := []struct {
		json    string
		want    params
		wantErr string
	}{
		{`{}`, params{0.05, 30}, ""},
		{`{"learning_rate": 0.1, "epochs": 5}`, params{0.1, 5}, ""},
		{`{"epochs": 2.5}`, params{}, "param epochs = 2.5"},
		{`{"learning_rate": -1}`, params{}, "param learning_rate = -1"},
		{`{"learning_rate": "fast"}`, params{}, `param learning_rate = "fast"`},
		{`{"seed": 1}`, params{}, `unknown param "seed"`},
		{`[1]`, params{}, "params file"},
	}
	for _, tt := range tests {
		path := t.TempDir() + "/params.json"
		if err := writeFile(path, tt.json); err != nil {
			t.Fatal(err)
		}
		got, err := readParams(path)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("readParams(%s) error %v, want %q", tt.json, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("readParams(%s) = %+v, %v; want %+v", tt.json, got, err, tt.want)
		}
	}
}

func TestParseRow(t *testing.T) {
	col := map[string]int{"customer_id": 0, "tenure": 1, "monthly_charges": 2, "contract": 3, "churned": 4}
	tests := []struct {
		rec     []string
		wantErr string
	}{
		{[]string{"C1", "12", "70.5", "one-year", "1"}, ""},
		{[]string{"C1", "twelve", "70.5", "one-year", "1"}, `tenure "twelve" is not a finite number`},
		{[]string{"C1", "12", "NaN", "one-year", "1"}, `monthly_charges "NaN" is not a finite number`},
		{[]string{"C1", "12", "70.5", "one-year", "yes"}, `churned "yes" is not 0 or 1`},
	}
	for _, tt := range tests {
		r, err := parseRow(tt.rec, col)
		if tt.wantErr == "" {
			if err != nil || r.tenure != 12 || r.monthly != 70.5 || !r.churned || r.contract != "one-year" {
				t.Errorf("parseRow(%q) = %+v, %v", tt.rec, r, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("parseRow(%q) error %v, want %q", tt.rec, err, tt.wantErr)
		}
	}
}

// FuzzParams: an arbitrary params file is accepted with valid values or
// refused with an error, never a panic.
func FuzzParams(f *testing.F) {
	for _, s := range []string{`{}`, `{"epochs": 3}`, `{"learning_rate": 1e309}`, `null`, `{"epochs": -0}`} {
		f.Add(s)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, s string) {
		path := dir + "/params.json"
		if err := writeFile(path, s); err != nil {
			t.Fatal(err)
		}
		p, err := readParams(path)
		if err == nil && (!(p.LearningRate > 0 && p.LearningRate <= 10) || p.Epochs < 1 || p.Epochs > 100000) {
			t.Fatalf("accepted %q as %+v", s, p)
		}
	})
}
