package profile

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

func seq(from, to int) string {
	var b strings.Builder
	b.WriteString("v\n")
	for i := from; i <= to; i++ {
		fmt.Fprintf(&b, "%d\n", i)
	}
	return b.String()
}

func repeat(header string, lines ...string) string {
	return header + "\n" + strings.Join(lines, "\n") + "\n"
}

func many(v string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func TestDriftKnownValues(t *testing.T) {
	tests := []struct {
		name     string
		ref, cur string
		col      string
		kind     string
		psi, ks  float64
		tol      float64
	}{
		{
			name: "identical numeric", ref: seq(1, 10), cur: seq(1, 10), col: "v",
			kind: Numeric, psi: 0, ks: 0, tol: 1e-12,
		},
		{
			// deciles of 1..10 are 1..9; every current value lands in the
			// last bin: 9·(ε−0.1)·ln(ε/0.1) + 0.9·ln(1/0.1)
			name: "all mass in the top bin", ref: seq(1, 10), cur: repeat("v", many("10", 10)...), col: "v",
			kind: Numeric, psi: 9*(Epsilon-0.1)*math.Log(Epsilon/0.1) + 0.9*math.Log(10), ks: 0.9, tol: 1e-9,
		},
		{
			// same values, half of the current rows null: 10·(0.05−0.1)·ln(0.5) + (0.5−ε)·ln(0.5/ε)
			name: "nulls get their own bin", ref: seq(1, 10), cur: seq(1, 10) + strings.Repeat("\n", 0) + strings.Repeat("NA\n", 10), col: "v",
			kind: Numeric, psi: 10*(-0.05)*math.Log(0.5) + (0.5-Epsilon)*math.Log(0.5/Epsilon), ks: 0, tol: 1e-9,
		},
		{
			// 0.4·ln(0.9/0.5) + (−0.4)·ln(0.1/0.5)
			name: "categorical shift", ref: repeat("c", append(many("a", 50), many("b", 50)...)...),
			cur: repeat("c", append(many("a", 90), many("b", 10)...)...), col: "c",
			kind: Categorical, psi: 0.4*math.Log(1.8) - 0.4*math.Log(0.2), tol: 1e-9,
		},
		{
			// a new category: (0.5−ε)·ln(0.5/ε) + (0.5−1)·ln(0.5/1)
			name: "new category", ref: repeat("c", many("a", 4)...), cur: repeat("c", "a", "a", "z", "z"), col: "c",
			kind: Categorical, psi: (0.5-Epsilon)*math.Log(0.5/Epsilon) + (0.5-1)*math.Log(0.5), tol: 1e-9,
		},
		{
			// the numbers keep their bins (below 1, 1, (1,2], above 2):
			// x is new (ε → 0.5), "1" stays at 0.5, "2" goes (0.5 → ε)
			name: "numeric against categorical compares categories", ref: repeat("v", "1", "2"), cur: repeat("v", "1", "x"), col: "v",
			kind: Categorical, psi: 2 * (0.5 - Epsilon) * math.Log(0.5/Epsilon), tol: 1e-9,
		},
		{
			// the same text value on both sides and the same numbers: no drift
			name: "mixed column unchanged", ref: repeat("v", "1", "2", "?", "3"), cur: repeat("v", "3", "?", "2", "1"), col: "v",
			kind: Categorical, psi: 0, tol: 1e-12,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ref := mustCSV(t, tt.ref, "ref.csv", tt.col)
			cur := mustCSV(t, tt.cur, "cur.csv", tt.col)
			rep, err := Drift(ref, cur, []string{tt.col})
			if err != nil {
				t.Fatal(err)
			}
			c := rep.Columns[0]
			if c.Kind != tt.kind || math.Abs(c.PSI-tt.psi) > tt.tol || math.Abs(c.KS-tt.ks) > tt.tol {
				t.Errorf("got %s PSI %.6f KS %.6f, want %s PSI %.6f KS %.6f", c.Kind, c.PSI, c.KS, tt.kind, tt.psi, tt.ks)
			}
			if rep.MaxPSI != c.PSI || rep.MeanPSI != c.PSI || rep.Column != tt.col {
				t.Errorf("report %+v does not summarise its one column", rep)
			}
		})
	}
}

func TestDriftNormalShift(t *testing.T) {
	ref := mustCSV(t, normalCSV(20000, 0, 1), "ref.csv", "x", "k")
	tests := []struct {
		name           string
		mean           float64
		minPSI, maxPSI float64
		ks             float64 // expected KS of the true distributions
	}{
		{"same distribution, new sample", 0, 0, 0.05, 0},
		{"one sigma shift", 1, 0.2, 5, 0.383}, // 2Φ(0.5)−1
		{"half sigma shift", 0.5, 0.1, 1, 0.197},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cur := mustCSV(t, normalCSV(20000, tt.mean, 2), "cur.csv", "x", "k")
			rep, err := Drift(ref, cur, nil)
			if err != nil {
				t.Fatal(err)
			}
			x := rep.Columns[0]
			if x.Name != "x" || x.Kind != Numeric || x.PSI < tt.minPSI || x.PSI > tt.maxPSI || math.Abs(x.KS-tt.ks) > 0.05 {
				t.Errorf("x: %+v; want PSI in [%v, %v], KS ≈ %v", x, tt.minPSI, tt.maxPSI, tt.ks)
			}
			if k := rep.Columns[1]; k.Kind != Categorical || k.PSI > 0.01 {
				t.Errorf("unshifted categorical column k drifted: %+v", k)
			}
			if tt.mean != 0 && (rep.Column != "x" || rep.MaxPSI != x.PSI || rep.MaxKS != x.KS) {
				t.Errorf("report points at %q (max PSI %v), want x", rep.Column, rep.MaxPSI)
			}
		})
	}
}

// A stray text value ("?") in a numeric column makes it categorical; its
// numbers must still be compared by value, not as one bucket whose share
// did not change.
func TestDriftStrayTextKeepsNumericShift(t *testing.T) {
	shifted := func(from, to int, extra ...string) string {
		return seq(from, to) + strings.Join(extra, "\n") + "\n"
	}
	tests := []struct {
		name     string
		ref, cur string
		drifts   bool
	}{
		{"stray value in the current data", seq(1, 1000), shifted(10001, 11000, "?"), true},
		{"stray value in the reference data", shifted(1, 1000, "?"), seq(10001, 11000), true},
		{"sentinel on both sides, numbers shifted", shifted(1, 1000, "unknown", "unknown"), shifted(10001, 11000, "unknown", "unknown"), true},
		{"sentinel on both sides, numbers the same", shifted(1, 1000, "unknown"), shifted(1, 1000, "unknown"), false},
		{"stray value only, numbers the same", seq(1, 1000), shifted(1, 1000, "?"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := Drift(mustCSV(t, tt.ref, "ref.csv", "v"), mustCSV(t, tt.cur, "cur.csv", "v"), []string{"v"})
			if err != nil {
				t.Fatal(err)
			}
			c := rep.Columns[0]
			if c.Kind != Categorical {
				t.Fatalf("kind %s, want categorical", c.Kind)
			}
			if got := c.PSI > 0.2; got != tt.drifts {
				t.Errorf("PSI %.4f: drifts = %v, want %v", c.PSI, got, tt.drifts)
			}
		})
	}
}

func TestDriftErrors(t *testing.T) {
	p := mustCSV(t, "a,b\n1,2\n", "p.csv", "a", "b")
	q := mustCSV(t, "a\n1\n", "q.csv", "a")
	empty := mustCSV(t, "a\n", "e.csv", "a")
	tests := []struct {
		name     string
		ref, cur *Profile
		cols     []string
		want     string
	}{
		{"not in reference", q, p, []string{"b"}, `column "b" is not in the reference profile (it has: a)`},
		{"not in current", p, q, []string{"b"}, `column "b" is not in the current profile`},
		{"no values", p, empty, []string{"a"}, `column "a" has no values in the current profile`},
		{"nil", nil, p, nil, "missing profile"},
		{"no CSV file", p, New([]string{"a"}), []string{"a"}, "the current snapshot has no CSV file to profile (stats columns are read from *.csv files only)"},
		{"no CSV file in the reference", New([]string{"a"}), p, []string{"a"}, "the reference snapshot has no CSV file"},
	}
	for _, tt := range tests {
		_, err := Drift(tt.ref, tt.cur, tt.cols)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestPSI(t *testing.T) {
	tests := []struct {
		ref, cur []float64
		want     float64
	}{
		{[]float64{0.5, 0.5}, []float64{0.5, 0.5}, 0},
		{[]float64{0.5, 0.5}, []float64{0.9, 0.1}, 0.4*math.Log(1.8) - 0.4*math.Log(0.2)},
		{[]float64{1}, []float64{0, 1}, (Epsilon-1)*math.Log(Epsilon) + (1-Epsilon)*math.Log(1/Epsilon)},
		{nil, nil, 0},
	}
	for _, tt := range tests {
		if got := PSI(tt.ref, tt.cur); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("PSI(%v, %v) = %v, want %v", tt.ref, tt.cur, got, tt.want)
		}
	}
}

func TestEdgesAndKS(t *testing.T) {
	below := func(x float64) float64 { return math.Nextafter(x, math.Inf(-1)) }
	spread := make([]float64, 100) // 0..99: the lowest cut (9) is above the minimum
	for i := range spread {
		spread[i] = float64(i)
	}
	edgeTests := []struct {
		name   string
		sorted []float64
		want   []float64
	}{
		{"nothing", nil, nil},
		// The lowest cut is the minimum: values below it get a bin.
		{"constant", []float64{5, 5, 5, 5}, []float64{below(5), 5}},
		{"few values", []float64{1, 2, 3}, []float64{below(1), 1, 2, 3}},
		{"mostly zero", []float64{0, 0, 0, 0, 0, 0, 1, 2, 3, 4}, []float64{below(0), 0, 1, 2, 3}},
		{"spread", spread, []float64{9, 19, 29, 39, 49, 59, 69, 79, 89}},
	}
	for _, tt := range edgeTests {
		if got := Edges(tt.sorted); fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("%s: edges %v, want %v", tt.name, got, tt.want)
		}
	}
	tests := []struct {
		a, b []float64
		want float64
	}{
		{[]float64{1, 2, 3}, []float64{1, 2, 3}, 0},
		{[]float64{1, 2}, []float64{3, 4}, 1},
		{[]float64{1, 2, 3, 4}, []float64{3, 4, 5, 6}, 0.5},
		{nil, []float64{1}, 0},
	}
	for _, tt := range tests {
		if got := KS(tt.a, tt.b); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("KS(%v, %v) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

// A KS statistic that is exactly a decimal threshold must be that float:
// 1..10 against 7..16 is 0.6, and a trigger "ks > 0.6" must not fire on
// 0.6000000000000001.
func TestKSExactAtBoundary(t *testing.T) {
	seqf := func(from, to int) []float64 {
		var v []float64
		for i := from; i <= to; i++ {
			v = append(v, float64(i))
		}
		return v
	}
	for _, tt := range []struct {
		a, b []float64
		want float64
	}{
		{seqf(1, 10), seqf(7, 16), 0.6},
		{seqf(1, 10), seqf(8, 17), 0.7},
		{seqf(1, 10), seqf(4, 13), 0.3},
		{seqf(1, 100), seqf(30, 129), 0.29},
		{seqf(1, 3), seqf(2, 7), 2.0 / 3},
	} {
		if got := KS(tt.a, tt.b); got != tt.want {
			t.Errorf("KS(%v.., %v..) = %v, want exactly %v", tt.a[0], tt.b[0], got, tt.want)
		}
	}
}

// TestDriftShiftOfConstant: a column that was one value everywhere and
// is now another has drifted, whichever way it moved; PSI says so, as KS
// does.
func TestDriftShiftOfConstant(t *testing.T) {
	col := func(v string) string { return "x\n" + strings.Repeat(v+"\n", 50) }
	ref := mustCSV(t, col("5"), "ref.csv", "x")
	tests := []struct {
		name  string
		cur   string
		drift bool
	}{
		{"same", col("5"), false},
		{"down", col("3"), true},
		{"up", col("7"), true},
		{"half down", "x\n" + strings.Repeat("5\n3\n", 25), true},
	}
	for _, tt := range tests {
		rep, err := Drift(ref, mustCSV(t, tt.cur, "cur.csv", "x"), nil)
		if err != nil {
			t.Fatal(err)
		}
		if x := rep.Columns[0]; (x.PSI > 0.2) != tt.drift || (x.KS > 0.2) != tt.drift {
			t.Errorf("%s: PSI %v KS %v, want drift %v", tt.name, x.PSI, x.KS, tt.drift)
		}
	}
}
