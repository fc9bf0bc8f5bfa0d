package executor

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mlform/mlform/internal/wanterr"
	"github.com/mlform/mlform/state"
	"github.com/mlform/mlform/state/statetest"
)

func TestParseMetrics(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    map[string]float64
		wantErr string
	}{
		{"flat", `{"accuracy": 0.91, "auc": 0.95, "logloss": 0.3}`, map[string]float64{"accuracy": 0.91, "auc": 0.95, "logloss": 0.3}, ""},
		{"empty object", `{}`, map[string]float64{}, ""},
		{"integers and exponents", `{"n": 3, "tiny": 1e-9, "neg": -2}`, map[string]float64{"n": 3, "tiny": 1e-9, "neg": -2}, ""},
		{"empty file", ``, nil, "empty file"},
		{"array", `[1,2]`, nil, "top level is an array"},
		{"number", `0.9`, nil, "top level is a number"},
		{"nested", `{"a": {"b": 1}}`, nil, `metric "a" is an object, want a number`},
		{"string value", `{"accuracy": "0.9"}`, nil, `metric "accuracy" is a string`},
		{"null value", `{"accuracy": null}`, nil, `metric "accuracy" is null`},
		{"bool value", `{"ok": true}`, nil, `metric "ok" is a boolean`},
		{"overflow", `{"big": 1e999}`, nil, `metric "big": 1e999 is not a finite 64-bit number`},
		{"duplicate", `{"a": 1, "a": 2}`, nil, `metric "a" appears twice`},
		{"empty name", `{"": 1}`, nil, "empty name"},
		{"control char", `{"a\u0007": 1}`, nil, "control character"},
		{"trailing data", `{"a": 1} {"b": 2}`, nil, "after the JSON object"},
		{"truncated", `{"a": 1`, nil, "invalid JSON"},
		{"NaN literal", `{"a": NaN}`, nil, `metric "a" is NaN, want a finite number`},
		{"Infinity literal", `{"a":Infinity}`, nil, `metric "a" is Infinity, want a finite number`},
		{"-Infinity literal", "{\"ok\": 1, \"a\" :\n -Infinity}", nil, `metric "a" is -Infinity, want a finite number`},
		{"other bare word", `{"a": nope}`, nil, `metric "a": invalid JSON`},
		{"garbage", `accuracy=0.9`, nil, "invalid JSON"},
		{"UTF-8 byte order mark", "\ufeff{\"a\": 1}", nil, "starts with a UTF-8 byte order mark"},
		{"UTF-16 byte order mark", "\xff\xfe{\x00}\x00", nil, "starts with a UTF-16 byte order mark"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseMetrics([]byte(tt.in))
			if wanterr.Check(t, err, tt.wantErr) {
				return
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestReadMetricsFile(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(dir string) error
		wantErr string
	}{
		{"ok", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "metrics.json"), []byte(`{"accuracy":0.9}`), 0o644)
		}, ""},
		{"missing", func(dir string) error { return nil }, "not found: the command must write metrics.json"},
		{"directory", func(dir string) error { return os.Mkdir(filepath.Join(dir, "metrics.json"), 0o755) }, "not a regular file"},
		{"symlink out of the dir", func(dir string) error {
			outside := filepath.Join(filepath.Dir(dir), "elsewhere.json")
			if err := os.WriteFile(outside, []byte(`{"a":1}`), 0o644); err != nil {
				return err
			}
			return os.Symlink(outside, filepath.Join(dir, "metrics.json"))
		}, "not a regular file"},
		{"too large", func(dir string) error {
			big := `{"a":1` + strings.Repeat(" ", maxMetricsBytes) + `}`
			return os.WriteFile(filepath.Join(dir, "metrics.json"), []byte(big), 0o644)
		}, "larger than"},
		{"malformed", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "metrics.json"), []byte(`{"accuracy": "high"}`), 0o644)
		}, `metric "accuracy" is a string`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := tt.setup(dir); err != nil {
				t.Fatal(err)
			}
			m, err := ReadMetrics(dir)
			if tt.wantErr == "" {
				if err != nil || m["accuracy"] != 0.9 {
					t.Fatalf("ReadMetrics = %v, %v", m, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("ReadMetrics error %v, want one containing %q", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), filepath.Join(dir, "metrics.json")) {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

func FuzzReadMetrics(f *testing.F) {
	for _, s := range []string{`{"accuracy":0.9,"auc":0.95}`, `{}`, `[]`, `{"a":{"b":1}}`, `{"a":1e999}`, `{"a":1,"a":2}`, `{"":1}`, `{"a":1}x`, ``} {
		f.Add([]byte(s))
	}
	dir := f.TempDir() // one per worker process; iterations within a worker are sequential
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(filepath.Join(dir, MetricsFile), data, 0o644); err != nil {
			t.Fatal(err)
		}
		m, err := ReadMetrics(dir)
		if err != nil {
			if m != nil {
				t.Fatal("a map returned with an error")
			}
			return
		}
		for name, v := range m {
			if name == "" || math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("accepted metric %q = %v", name, v)
			}
		}
	})
}

// TestMetricNamesStateRecords: every name metrics.json may use is one
// state records. A 200-byte name passed the contract but state refused
// it (128 bytes), so the train failed at "persist state" and its attempt
// was never recorded; the longest accepted name must round-trip.
func TestMetricNamesStateRecords(t *testing.T) {
	for _, n := range []int{200, maxMetricName} {
		name := strings.Repeat("ü", n/2) + strings.Repeat("x", n%2) // n bytes, multi-byte letters
		m, err := ParseMetrics([]byte(`{"` + name + `": 1}`))
		if err != nil {
			t.Fatalf("%d-byte name: %v", n, err)
		}
		s := statetest.Sample()
		s.Models["churn"].Versions[1].Metrics = m
		doc, err := state.Encode(s)
		if err != nil {
			t.Fatalf("state refuses a %d-byte metric name metrics.json accepted: %v", n, err)
		}
		if _, err := state.Decode(doc); err != nil {
			t.Fatalf("state does not read back a %d-byte metric name: %v", n, err)
		}
	}
	if _, err := ParseMetrics([]byte(`{"` + strings.Repeat("n", maxMetricName+1) + `": 1}`)); err == nil {
		t.Error("a metric name over the limit was accepted")
	}
}
