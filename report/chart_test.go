package report

import (
	"math"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/plot/plotter"
)

// TestRenderChartExtremeValues: a metric may be any finite float64, so
// charts of values at the ends of its range (or spanning it) still give
// an SVG a browser accepts: no coordinate is NaN or infinite, and every
// point keeps its marker and its exact value in the tooltip.
func TestRenderChartExtremeValues(t *testing.T) {
	huge := math.MaxFloat64
	cases := []struct {
		name   string
		ys     []float64
		hlines []float64
		curve  []float64
	}{
		{name: "lowest alone", ys: []float64{-huge}},
		{name: "highest alone", ys: []float64{huge}},
		{name: "both ends", ys: []float64{-huge, huge}},
		{name: "1e308 and -1e308", ys: []float64{1e308, -1e308, 0}},
		{name: "threshold at the end", ys: []float64{0.5, 0.7}, hlines: []float64{huge}},
		{name: "smallest", ys: []float64{5e-324, 1e-323}},
		{name: "curve spanning", curve: []float64{-huge, 0, huge}},
	}
	bad := regexp.MustCompile(`(?i)\bnan\b|inf`)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var spec chartSpec
			for i, y := range c.ys {
				spec.Points = append(spec.Points, point{X: float64(i + 1), Y: y, HasY: true,
					Attr: "data-version", Key: "k", Class: "served", Title: formatFloat(y)})
			}
			spec.Connect = true
			for _, h := range c.hlines {
				spec.HLines = append(spec.HLines, hline{Y: h})
			}
			if c.curve != nil {
				var xys plotter.XYs
				for i, y := range c.curve {
					xys = append(xys, plotter.XY{X: float64(i), Y: y})
				}
				spec.Series = []series{{Label: "v1", XYs: xys}}
			}
			svg, err := renderChart(spec)
			if err != nil {
				t.Fatal(err)
			}
			if m := bad.FindString(string(svg)); m != "" {
				i := strings.Index(string(svg), m)
				t.Errorf("SVG holds %q: ...%s...", m, string(svg)[max(0, i-80):min(len(svg), i+40)])
			}
			if n := strings.Count(string(svg), `data-version="k"`); n != len(c.ys) {
				t.Errorf("%d markers, want %d", n, len(c.ys))
			}
			for _, y := range c.ys {
				if !strings.Contains(string(svg), "<title>"+formatFloat(y)+"</title>") {
					t.Errorf("no tooltip with the value %s", formatFloat(y))
				}
			}
		})
	}
}

// TestAliasChartVersionTicks: an alias timeline's y axis is a version
// number, so its ticks are the versions the alias served (v6, v7), never
// gonum's default ticks between them (6.5).
func TestAliasChartVersionTicks(t *testing.T) {
	t0 := time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)
	a := &aliasView{Name: "staging", Version: 7, Moves: []*moveView{
		{From: 0, To: 6, At: t0},
		{From: 6, To: 7, At: t0.Add(24 * time.Hour)},
	}}
	if err := aliasCharts(&modelView{Aliases: []*aliasView{a}}, t0.Add(48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	var labels []string
	for _, m := range regexp.MustCompile(`<text[^>]*>([^<]*)</text>`).FindAllStringSubmatch(string(a.Chart.SVG), -1) {
		labels = append(labels, m[1])
	}
	i := slices.Index(labels, "version") // the y axis label, then its ticks
	if i < 0 {
		t.Fatalf("no y axis label in %q", labels)
	}
	if got := labels[i+1:]; !slices.Equal(got, []string{"v6", "v7"}) {
		t.Errorf("y ticks %q, want [v6 v7]", got)
	}
}
