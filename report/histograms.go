package report

import (
	"cmp"
	"fmt"
	"maps"
	"slices"

	"github.com/mlform/mlform/planner/profile"
)

// maxCategories bounds the bars of a categorical histogram (the most
// frequent in the reference; the rest are summed as "other").
const maxCategories = 12

// histograms draws reference vs current distributions of each column of
// the newest pair of profiled snapshots: numeric columns over the
// reference's decile bins (as PSI uses them), categorical columns over
// the reference's most frequent categories. Proportions, so sizes differ
// freely.
func (dv *datasetView) histograms() error {
	var ref, cur *snapView
	for _, s := range dv.Snapshots {
		if s.profile != nil {
			ref, cur = cur, s
		}
	}
	if ref == nil || cur == nil {
		return nil
	}
	dv.HistFrom, dv.HistTo = ref.Short, cur.Short
	for i, rc := range ref.profile.Columns {
		cc := cur.profile.Column(rc.Name)
		if cc == nil || rc.Count == 0 || cc.Count == 0 {
			continue
		}
		var labels []string
		var r, c []float64
		if rc.Kind == profile.Numeric && cc.Kind == profile.Numeric && len(rc.Sample) > 0 && len(cc.Sample) > 0 {
			labels, r, c = numericBins(rc, cc)
		} else {
			labels, r, c = categoryBins(rc, cc)
		}
		spec := chartSpec{Bars: [][]float64{r, c}, BarLabels: labels, YLabel: "share",
			BarGroups: []string{"reference", "current"}}
		svg, err := renderChart(spec)
		if err != nil {
			return fmt.Errorf("dataset.%s histogram of %q: %w", dv.Name, rc.Name, err)
		}
		dv.Histograms = append(dv.Histograms, &chartView{ID: fmt.Sprintf("hist-%d", i+1), Title: rc.Name, SVG: svg})
	}
	return nil
}

func numericBins(rc, cc *profile.Column) ([]string, []float64, []float64) {
	rv, cv := rc.SortedSample(), cc.SortedSample()
	edges := profile.Edges(rv)
	count := func(vals []float64) []float64 {
		h := make([]float64, len(edges)+1)
		for _, x := range vals {
			i, _ := slices.BinarySearch(edges, x) // first edge >= x: bin i holds edges[i-1] < x <= edges[i]
			h[i]++
		}
		for i := range h {
			h[i] /= float64(len(vals))
		}
		return h
	}
	labels := make([]string, len(edges)+1)
	for i := range labels {
		switch {
		case len(edges) == 0:
			labels[i] = "all"
		case i == 0 && edges[0] < rv[0]:
			// profile.Edges' bin of values below the reference's minimum.
			labels[i] = "<" + formatFloat(rv[0])
		case i == 0:
			labels[i] = "≤" + formatFloat(edges[0])
		case i == len(edges):
			labels[i] = ">" + formatFloat(edges[i-1])
		default:
			labels[i] = "≤" + formatFloat(edges[i])
		}
	}
	r, c := count(rv), count(cv)
	if len(edges) > 0 && edges[0] < rv[0] && c[0] == 0 {
		// Nothing below the reference's minimum on either side: no bar.
		return labels[1:], r[1:], c[1:]
	}
	return labels, r, c
}

func categoryBins(rc, cc *profile.Column) ([]string, []float64, []float64) {
	names := slices.Sorted(maps.Keys(rc.Categories))
	slices.SortStableFunc(names, func(a, b string) int { return cmp.Compare(rc.Categories[b], rc.Categories[a]) })
	if len(names) > maxCategories {
		names = names[:maxCategories]
	}
	share := func(c *profile.Column) []float64 {
		out := make([]float64, len(names)+1)
		total := float64(c.Count)
		rest := float64(c.Count)
		for i, n := range names {
			out[i] = float64(c.Categories[n]) / total
			rest -= float64(c.Categories[n])
		}
		out[len(names)] = rest / total
		return out
	}
	labels := append(append([]string{}, names...), "other/null")
	return labels, share(rc), share(cc)
}
