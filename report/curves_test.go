package report

import (
	"math"
	"strings"
	"testing"

	"github.com/mlform/mlform/internal/wanterr"
)

func TestParseCurves(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		xkey    string
		series  map[string]int // key -> points
		wantErr string
	}{
		{"steps", "{\"step\": 1, \"loss\": 0.9}\n{\"step\": 2, \"loss\": 0.5, \"acc\": 0.7}\n", "step", map[string]int{"loss": 2, "acc": 1}, ""},
		{"epoch as x", "{\"epoch\": 1, \"loss\": 0.9}\n", "epoch", map[string]int{"loss": 1}, ""},
		{"line numbers", "{\"loss\": 0.9}\n\n{\"loss\": 0.8}\n", "line", map[string]int{"loss": 2}, ""},
		{"non-numbers ignored", `{"step": 1, "phase": "train", "ok": true, "nested": {"a": 1}, "loss": 1}`, "step", map[string]int{"loss": 1}, ""},
		{"huge number ignored", `{"step": 1, "loss": 1e999}`, "step", map[string]int{}, ""},
		// Python's json.dumps writes a diverged run's loss as NaN or
		// Infinity: skipped like any non-finite number, the rest kept.
		{"python NaN and Infinity", "{\"step\": 1, \"loss\": 0.9, \"acc\": 0.5}\n{\"step\": 2, \"loss\": NaN, \"acc\": Infinity, \"lr\": -Infinity}\n{\"step\": 3, \"loss\": 0.4, \"note\": \"NaN, Infinity\", \"acc\": 0.6}\n", "step", map[string]int{"loss": 2, "acc": 2}, ""},
		{"python NaN step", "{\"step\": NaN, \"loss\": 1}\n", "line", map[string]int{"loss": 1}, ""},
		{"NaN as a bare word elsewhere", "{\"step\": 1, \"loss\": NaNa}\n", "", nil, "line 1: not a JSON object"},
		{"not an object", "{\"step\": 1}\n[1,2]\n", "", nil, "line 2: not a JSON object"},
		{"garbage", "loss=1\n", "", nil, "line 1: not a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseCurves(strings.NewReader(tt.in))
			if wanterr.Check(t, err, tt.wantErr) {
				return
			}
			if c.XKey != tt.xkey {
				t.Errorf("x = %q, want %q", c.XKey, tt.xkey)
			}
			if len(c.Series) != len(tt.series) {
				t.Errorf("series = %v, want %v", c.Series, tt.series)
			}
			for k, n := range tt.series {
				if len(c.Series[k]) != n {
					t.Errorf("%s: %d points, want %d", k, len(c.Series[k]), n)
				}
			}
		})
	}
}

func TestThin(t *testing.T) {
	c, err := parseCurves(strings.NewReader(strings.Repeat("{\"loss\": 1}\n", 5000)))
	if err != nil {
		t.Fatal(err)
	}
	xys := c.Series["loss"]
	if len(xys) != maxCurvePoints || xys[0].X != 1 || xys[len(xys)-1].X != 5000 {
		t.Errorf("thinned to %d points from x=%v to x=%v, want %d from 1 to 5000", len(xys), xys[0].X, xys[len(xys)-1].X, maxCurvePoints)
	}
}

// FuzzParseCurves: metrics.jsonl is written by user code; no input may
// panic the report or yield a non-finite point.
func FuzzParseCurves(f *testing.F) {
	f.Add("{\"step\": 1, \"loss\": 0.5}\n")
	f.Add("{\"epoch\": 2}\n{}\n")
	f.Add("[]\n")
	f.Fuzz(func(t *testing.T, in string) {
		c, err := parseCurves(strings.NewReader(in))
		if err != nil {
			return
		}
		if len(c.Series) > 64 {
			t.Fatalf("%d series", len(c.Series))
		}
		for k, xys := range c.Series {
			if len(xys) > maxCurvePoints {
				t.Fatalf("%s: %d points", k, len(xys))
			}
			for _, xy := range xys {
				if math.IsNaN(xy.X) || math.IsInf(xy.X, 0) || math.IsNaN(xy.Y) || math.IsInf(xy.Y, 0) {
					t.Fatalf("%s: non-finite point %v", k, xy)
				}
			}
		}
		// The report draws what it parsed.
		c.Version = 1
		if _, err := curveCharts([]*curve{c}); err != nil {
			t.Fatalf("curves %q do not draw: %v", in, err)
		}
	})
}
