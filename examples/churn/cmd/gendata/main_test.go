package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func generate(t *testing.T, o Options) map[string][]byte {
	t.Helper()
	dir := t.TempDir()
	if err := WriteFiles(dir, o); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = data
	}
	return files
}

// rows concatenates the data rows of every file in name order.
func rows(files map[string][]byte) []string {
	var out []string
	for i := 0; ; i++ {
		data, ok := files[fmt.Sprintf("part-%04d.csv", i)]
		if !ok {
			return out
		}
		lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
		out = append(out, lines[1:]...)
	}
}

func TestDeterministic(t *testing.T) {
	o := Options{Rows: 500, Files: 3, Seed: 7, FirstID: 1, Prefix: "part"}
	a, b := generate(t, o), generate(t, o)
	if len(a) != 3 {
		t.Fatalf("%d files, want 3", len(a))
	}
	for name := range a {
		if !bytes.Equal(a[name], b[name]) {
			t.Errorf("%s differs between two runs with the same flags", name)
		}
	}
	o.Seed = 8
	if c := generate(t, o); bytes.Equal(a["part-0000.csv"], c["part-0000.csv"]) {
		t.Error("a different seed gave the same data")
	}
}

func TestSplitDoesNotChangeRows(t *testing.T) {
	one := rows(generate(t, Options{Rows: 301, Files: 1, Seed: 3, FirstID: 1, Prefix: "part"}))
	four := rows(generate(t, Options{Rows: 301, Files: 4, Seed: 3, FirstID: 1, Prefix: "part"}))
	if len(one) != 301 || strings.Join(one, "\n") != strings.Join(four, "\n") {
		t.Errorf("1 file: %d rows, 4 files: %d rows; want the same 301 rows", len(one), len(four))
	}
	if !strings.HasPrefix(one[0], "C0000001,") || !strings.HasPrefix(one[300], "C0000301,") {
		t.Errorf("ids run %q .. %q, want C0000001 .. C0000301", one[0], one[300])
	}
}

func TestDriftShiftsDistributions(t *testing.T) {
	type summary struct{ tenure, monthly, churn, m2m float64 }
	summarise := func(drift float64) summary {
		var s summary
		rs := rows(generate(t, Options{Rows: 4000, Files: 1, Seed: 1, Drift: drift, FirstID: 1, Prefix: "part"}))
		for _, r := range rs {
			f := strings.Split(r, ",")
			if len(f) != 5 {
				t.Fatalf("row %q has %d fields", r, len(f))
			}
			tenure, _ := strconv.ParseFloat(f[1], 64)
			monthly, _ := strconv.ParseFloat(f[2], 64)
			s.tenure += tenure
			s.monthly += monthly
			if f[3] == "month-to-month" {
				s.m2m++
			}
			if f[4] == "1" {
				s.churn++
			}
		}
		n := float64(len(rs))
		return summary{s.tenure / n, s.monthly / n, s.churn / n, s.m2m / n}
	}
	base, drifted := summarise(0), summarise(1)
	if !(drifted.monthly > base.monthly+15) {
		t.Errorf("mean monthly_charges %.1f -> %.1f with drift 1, want a shift of more than 15", base.monthly, drifted.monthly)
	}
	if !(drifted.tenure < base.tenure-8) {
		t.Errorf("mean tenure %.1f -> %.1f with drift 1, want it shorter by more than 8", base.tenure, drifted.tenure)
	}
	if !(drifted.m2m > base.m2m) || !(drifted.churn > base.churn) {
		t.Errorf("month-to-month share %.2f -> %.2f, churn %.2f -> %.2f: want both to rise", base.m2m, drifted.m2m, base.churn, drifted.churn)
	}
	if base.churn < 0.15 || base.churn > 0.45 {
		t.Errorf("reference churn rate %.2f: want a learnable minority class (0.15..0.45)", base.churn)
	}
}

func TestRunFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"ok", []string{"-rows", "10", "-files", "2"}, ""},
		{"no out", []string{"-out", ""}, "-out DIR is required"},
		{"zero rows", []string{"-rows", "0"}, "-rows 0"},
		{"more files than rows", []string{"-rows", "2", "-files", "3"}, "-files 3"},
		{"negative drift", []string{"-drift", "-1"}, "-drift -1"},
		{"extra args", []string{"x"}, "unexpected arguments"},
		{"prefix with a slash", []string{"-prefix", "../x"}, `-prefix "../x"`},
		{"bad flag", []string{"-rows", "many"}, "invalid value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "data")
			err := run(append([]string{"-out", out}, tt.args...), io.Discard)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if _, err := os.Stat(filepath.Join(out, "part-0001.csv")); err != nil {
					t.Error(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// The committed example data is exactly what the generator's defaults
// produce, so anyone can regenerate or extend it.
func TestCommittedDataIsGenerated(t *testing.T) {
	got := generate(t, Options{Rows: 4000, Files: 4, Seed: 1, FirstID: 1, Prefix: "part"})
	for name, data := range got {
		committed, err := os.ReadFile(filepath.Join("..", "..", "data", "churn", name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(committed, data) {
			t.Errorf("examples/churn/data/churn/%s differs from `gendata -out DIR` output: regenerate it", name)
		}
	}
}
