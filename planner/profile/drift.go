package profile

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
)

// Drift parameters (see Drift).
const (
	// Bins is the number of PSI bins for a numeric column, cut at the
	// reference's quantiles (deciles).
	Bins = 10
	// Epsilon replaces a zero bin proportion in PSI, which would otherwise
	// be infinite for a bin empty on one side.
	Epsilon = 1e-4
)

// ColumnDrift is the drift of one column between two profiles.
type ColumnDrift struct {
	Name string `json:"name"`
	// Kind is the kind the comparison used: Numeric when the column is
	// numeric in both profiles, Categorical otherwise.
	Kind string `json:"kind"`
	// PSI is the population stability index (0: identical; above about
	// 0.2: a shift worth acting on).
	PSI float64 `json:"psi"`
	// KS is the two-sample Kolmogorov-Smirnov statistic (the largest gap
	// between the two empirical CDFs, 0 to 1), for numeric columns.
	KS float64 `json:"ks"`
	// AllNull names the side ("reference" or "current") whose values are
	// all null, when the other side's are numbers: the column is then
	// compared as categorical (PSI counts the nulls) and has no KS, for a
	// want of numbers rather than because it holds text.
	AllNull string `json:"all_null,omitempty"`
}

// Report is the drift of a set of columns.
type Report struct {
	Columns []ColumnDrift `json:"columns"`
	MaxPSI  float64       `json:"max_psi"`
	MeanPSI float64       `json:"mean_psi"`
	MaxKS   float64       `json:"max_ks"`
	// Column is the column with the largest PSI (the first one on ties).
	Column string `json:"column"`
}

// Drift compares the current profile with the reference one, column by
// column (all of the reference's columns when columns is empty).
//
// Numeric columns: PSI over Bins bins cut at the reference sample's
// quantiles (duplicate cut points merged, so a column with few distinct
// values gets fewer bins), plus a null bin when either side has nulls; and
// the KS statistic between the two samples (non-null values). Categorical
// columns: PSI over the union of categories (Other and nulls as their own
// categories, numbers in the numeric bins). Empty proportions become
// Epsilon. A column missing from either profile, or with no values in one
// of them, is an error.
func Drift(ref, cur *Profile, columns []string) (Report, error) {
	if ref == nil || cur == nil {
		return Report{}, errors.New("drift: missing profile")
	}
	// Only CSV files are profiled: a snapshot without one (Parquet,
	// JSON) has stats columns with no values, which would read as if
	// the CSV were empty.
	for _, side := range []struct {
		p    *Profile
		name string
	}{{ref, "reference"}, {cur, "current"}} {
		if side.p.Files == 0 {
			return Report{}, fmt.Errorf("drift: the %s snapshot has no CSV file to profile (stats columns are read from *.csv files only)", side.name)
		}
	}
	if len(columns) == 0 {
		for _, c := range ref.Columns {
			columns = append(columns, c.Name)
		}
	}
	var rep Report
	for _, name := range columns {
		rc, cc := ref.Column(name), cur.Column(name)
		switch {
		case rc == nil:
			return Report{}, fmt.Errorf("drift: column %q is not in the reference profile (it has: %s)", name, columnNames(ref))
		case cc == nil:
			return Report{}, fmt.Errorf("drift: column %q is not in the current profile (it has: %s)", name, columnNames(cur))
		case rc.Count == 0:
			return Report{}, fmt.Errorf("drift: column %q has no values in the reference profile", name)
		case cc.Count == 0:
			return Report{}, fmt.Errorf("drift: column %q has no values in the current profile", name)
		}
		d := ColumnDrift{Name: name, Kind: Categorical}
		if rc.Kind == Numeric && cc.Kind == Numeric && len(rc.Sample) > 0 && len(cc.Sample) > 0 {
			d.Kind = Numeric
			d.PSI, d.KS = numericDrift(rc, cc)
		} else {
			d.PSI = psi(categoricalDist(rc, cc))
			switch {
			case cc.Nulls == cc.Count && rc.Kind == Numeric:
				d.AllNull = "current"
			case rc.Nulls == rc.Count && cc.Kind == Numeric:
				d.AllNull = "reference"
			}
		}
		rep.Columns = append(rep.Columns, d)
		rep.MeanPSI += d.PSI
		if d.PSI > rep.MaxPSI || rep.Column == "" {
			rep.MaxPSI, rep.Column = d.PSI, name
		}
		rep.MaxKS = math.Max(rep.MaxKS, d.KS)
	}
	if n := len(rep.Columns); n > 0 {
		rep.MeanPSI /= float64(n)
	}
	return rep, nil
}

func columnNames(p *Profile) string {
	names := make([]string, len(p.Columns))
	for i, c := range p.Columns {
		names[i] = c.Name
	}
	if len(names) == 0 {
		return "no columns"
	}
	return strings.Join(names, ", ")
}

// SortedSample returns the values of c's sample in ascending order: what
// Edges and the PSI and KS of numeric columns take.
func (c *Column) SortedSample() []float64 {
	v := make([]float64, len(c.Sample))
	for i, p := range c.Sample {
		v[i] = p.Value
	}
	slices.Sort(v)
	return v
}

// Edges returns the cut points of Bins quantile bins of sorted values
// (nearest rank), without duplicates. Bin i holds x with
// edges[i-1] < x <= edges[i].
//
// When the lowest cut is the reference's minimum (a tenth or more of its
// values are that minimum: a constant column, a count that is mostly 0),
// the first bin would hold that value and everything below it alike, and a
// shift down (a constant 5 that became 3, zeros that became -1) would not
// move any proportion. So the values below the reference's minimum get a
// bin of their own: a cut just below the minimum comes first. (Above the
// highest cut there is always a bin of its own.)
func Edges(sorted []float64) []float64 {
	n := len(sorted)
	if n == 0 {
		return nil
	}
	edges := make([]float64, 0, Bins-1)
	for i := 1; i < Bins; i++ {
		rank := (i*n + Bins - 1) / Bins // ceil(i*n/Bins)
		if rank < 1 {
			rank = 1
		}
		e := sorted[rank-1]
		if len(edges) == 0 || e > edges[len(edges)-1] {
			edges = append(edges, e)
		}
	}
	if below := math.Nextafter(sorted[0], math.Inf(-1)); edges[0] == sorted[0] && below < sorted[0] {
		edges = append([]float64{below}, edges...)
	}
	return edges
}

// histogram returns the proportion of sorted values in each bin of edges.
func histogram(sorted, edges []float64) []float64 {
	h := make([]float64, len(edges)+1)
	if len(sorted) == 0 {
		return h
	}
	for _, x := range sorted {
		h[sort.SearchFloat64s(edges, x)]++
	}
	for i := range h {
		h[i] /= float64(len(sorted))
	}
	return h
}

func numericDrift(rc, cc *Column) (psiValue, ks float64) {
	rv, cv := rc.SortedSample(), cc.SortedSample()
	edges := Edges(rv)
	r, c := histogram(rv, edges), histogram(cv, edges)
	if rc.Nulls > 0 || cc.Nulls > 0 {
		rn := float64(rc.Nulls) / float64(rc.Count)
		cn := float64(cc.Nulls) / float64(cc.Count)
		for i := range r {
			r[i] *= 1 - rn
			c[i] *= 1 - cn
		}
		r, c = append(r, rn), append(c, cn)
	}
	return psi(r, c), KS(rv, cv)
}

// KS is the two-sample Kolmogorov-Smirnov statistic of two sorted samples.
//
// The gap i/na − j/nb is kept as the integer i·nb − j·na and divided once
// at the end, so a statistic that is exactly a threshold as written (0.6
// between two samples of 10) is that float, not 0.6000000000000001 after
// a subtraction of rounded quotients: a drift trigger fires on "more
// than", and must not fire at its boundary by rounding.
func KS(a, b []float64) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	na, nb := int64(len(a)), int64(len(b))
	var i, j int
	var d int64
	for i < len(a) && j < len(b) {
		x := math.Min(a[i], b[j])
		for i < len(a) && a[i] <= x {
			i++
		}
		for j < len(b) && b[j] <= x {
			j++
		}
		gap := int64(i)*nb - int64(j)*na
		d = max(d, gap, -gap)
	}
	return float64(d) / float64(na*nb)
}

// categoricalDist returns the aligned proportions of every category of
// either column, plus Other (the values beyond CategoryCap), the numbers
// and null. The numbers are not one bucket: they are spread over the bins
// numeric columns use (cut at the reference sample's deciles, Edges), each
// side's sample giving the shape and its count of numbers the mass. A
// column that is mostly numbers with a stray text value ("?", "unknown")
// on either side is compared as categorical, and a shift of its numbers
// must still show, as it does in a numeric column.
func categoricalDist(rc, cc *Column) (r, c []float64) {
	keys := make([]string, 0, len(rc.Categories)+len(cc.Categories))
	for k := range rc.Categories {
		keys = append(keys, k)
	}
	for k := range cc.Categories {
		if _, ok := rc.Categories[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	rt, ct := float64(rc.Count), float64(cc.Count)
	for _, k := range keys {
		r = append(r, float64(rc.Categories[k])/rt)
		c = append(c, float64(cc.Categories[k])/ct)
	}
	r = append(r, float64(max(rc.Other-rc.Numbers, 0))/rt, float64(rc.Nulls)/rt)
	c = append(c, float64(max(cc.Other-cc.Numbers, 0))/ct, float64(cc.Nulls)/ct)
	rv, cv := rc.SortedSample(), cc.SortedSample()
	edges := Edges(rv)
	r = append(r, numberBins(rv, edges, float64(rc.Numbers)/rt)...)
	c = append(c, numberBins(cv, edges, float64(cc.Numbers)/ct)...)
	return r, c
}

// numberBins spreads share (the proportion of a column's values that are
// numbers) over the bins of edges in the proportions of sorted, the
// column's numeric sample. A column with numbers but no sample (a profile
// written without one) puts the whole share in the first bin.
func numberBins(sorted, edges []float64, share float64) []float64 {
	h := histogram(sorted, edges)
	if len(sorted) == 0 {
		h[0] = 1
	}
	for i := range h {
		h[i] *= share
	}
	return h
}

// PSI returns the population stability index of two aligned distributions:
// Σ (c−r)·ln(c/r), with proportions below Epsilon raised to Epsilon. A bin
// missing from the shorter slice counts as empty.
func PSI(ref, cur []float64) float64 { return psi(ref, cur) }

func psi(r, c []float64) float64 {
	var s float64
	for i := range max(len(r), len(c)) {
		var x, y float64
		if i < len(r) {
			x = r[i]
		}
		if i < len(c) {
			y = c[i]
		}
		a, b := math.Max(x, Epsilon), math.Max(y, Epsilon)
		s += (b - a) * math.Log(b/a)
	}
	return s
}
