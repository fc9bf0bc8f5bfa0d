package profile

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

func mustCSV(t testing.TB, data, path string, cols ...string) *Profile {
	t.Helper()
	p, err := CSV(strings.NewReader(data), path, cols)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCSVColumns(t *testing.T) {
	tests := []struct {
		name     string
		data     string
		col      string
		kind     string
		count    int64
		nulls    int64
		numbers  int64
		min, max float64
		mean     float64
		cats     map[string]int64
	}{
		{
			name: "numeric", data: "a,b\n1,x\n2,y\n3.5,z\n", col: "a",
			kind: Numeric, count: 3, numbers: 3, min: 1, max: 3.5, mean: 6.5 / 3,
		},
		{
			name: "categorical", data: "a,b\n1,x\n2,y\n3,x\n", col: "b",
			kind: Categorical, count: 3, cats: map[string]int64{"x": 2, "y": 1},
		},
		{
			name: "nulls in many spellings (blank lines are skipped)", data: "v\n1\n\nNA\nn/a\nnull\nNone\nNaN\n  \n2\n", col: "v",
			kind: Numeric, count: 8, nulls: 6, numbers: 2, min: 1, max: 2, mean: 1.5,
		},
		{
			name: "one word makes it categorical", data: "v\n1\n2\nthree\n", col: "v",
			kind: Categorical, count: 3, numbers: 2, min: 1, max: 2, mean: 1.5,
			cats: map[string]int64{"three": 1},
		},
		{
			name: "infinity is null", data: "v\n1\ninf\n-1e999\n", col: "v",
			kind: Numeric, count: 3, nulls: 2, numbers: 1, min: 1, max: 1, mean: 1,
		},
		{
			name: "finite values summing past float64's range: mean unknown", data: "v\n1.7e308\n1.7e308\n-1\n", col: "v",
			kind: Numeric, count: 3, numbers: 3, min: -1, max: 1.7e308, mean: math.NaN(),
		},
		{
			name: "short rows give nulls", data: "a,b,c\n1,2,3\n4\n", col: "c",
			kind: Numeric, count: 2, nulls: 1, numbers: 1, min: 3, max: 3, mean: 3,
		},
		{
			name: "bom, padded header, quotes", data: "\ufeff a ,\"b\"\n\" 7 \",\"x, y\"\n", col: "a",
			kind: Numeric, count: 1, numbers: 1, min: 7, max: 7, mean: 7,
		},
		{
			// R's write.csv(fileEncoding = "UTF-8-BOM") and pandas'
			// utf-8-sig with QUOTE_ALL quote the header after the mark.
			name: "bom before a quoted header", data: "\ufeff\"a, b\",\"c\"\n7,x\n", col: "a, b",
			kind: Numeric, count: 1, numbers: 1, min: 7, max: 7, mean: 7,
		},
		{
			name: "lazy quotes", data: "a,b\nx\"y,1\n", col: "a",
			kind: Categorical, count: 1, cats: map[string]int64{"x\"y": 1},
		},
		{
			name: "negative zero is zero", data: "v\n-0\n0\n", col: "v",
			kind: Numeric, count: 2, numbers: 2,
		},
		{
			name: "header only", data: "v\n", col: "v", kind: Categorical,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustCSV(t, tt.data, "f.csv", tt.col).Column(tt.col)
			if c.Kind != tt.kind || c.Count != tt.count || c.Nulls != tt.nulls || c.Numbers != tt.numbers {
				t.Errorf("kind %s count %d nulls %d numbers %d; want %s %d %d %d", c.Kind, c.Count, c.Nulls, c.Numbers, tt.kind, tt.count, tt.nulls, tt.numbers)
			}
			if c.Min != tt.min || c.Max != tt.max || c.Mean.Known() == math.IsNaN(tt.mean) || math.Abs(float64(c.Mean)-tt.mean) > 1e-12 {
				t.Errorf("min %v max %v mean %v; want %v %v %v", c.Min, c.Max, c.Mean, tt.min, tt.max, tt.mean)
			}
			if fmt.Sprint(c.Categories) != fmt.Sprint(tt.cats) && !(len(c.Categories) == 0 && len(tt.cats) == 0) {
				t.Errorf("categories %v, want %v", c.Categories, tt.cats)
			}
			if c.Other != c.Numbers { // numbers count as Other, never as categories
				t.Errorf("other %d, want %d", c.Other, c.Numbers)
			}
			if int64(len(c.Sample)) != min(c.Numbers, SampleSize) {
				t.Errorf("sample of %d for %d numbers", len(c.Sample), c.Numbers)
			}
		})
	}
}

func TestCSVErrors(t *testing.T) {
	tests := []struct {
		name, data string
		cols       []string
		want       []string
	}{
		{"missing column", "a,b\n1,2\n", []string{"a", "tenure"}, []string{`"tenure"`, "data/x.csv", "it has: a, b"}},
		{"duplicate header", "a,a\n1,2\n", []string{"a"}, []string{`"a"`, "more than once", "data/x.csv"}},
		{"empty file", "", []string{"a"}, []string{"data/x.csv", "header"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := CSV(strings.NewReader(tt.data), "data/x.csv", tt.cols)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestCategoryCap(t *testing.T) {
	var b strings.Builder
	b.WriteString("c\n")
	for i := 0; i < CategoryCap+500; i++ {
		fmt.Fprintf(&b, "v%d\n", i)
	}
	b.WriteString("v0\nv0\n")
	c := mustCSV(t, b.String(), "f.csv", "c").Column("c")
	if len(c.Categories) != CategoryCap || c.Other != 500 || c.Categories["v0"] != 3 {
		t.Fatalf("%d categories, other %d, v0 %d; want %d, 500, 3", len(c.Categories), c.Other, c.Categories["v0"], CategoryCap)
	}
	// Merging two capped columns keeps the cap and every count.
	d := mustCSV(t, "c\nnew\nnew\nnew\nnew\n", "g.csv", "c").Column("c")
	m := &Column{Name: "c"}
	m.merge(c)
	m.merge(d)
	if len(m.Categories) != CategoryCap || m.Categories["new"] != 4 || m.Other+sum(m.Categories) != c.Count+d.Count {
		t.Fatalf("merged: %d categories, new %d, total %d", len(m.Categories), m.Categories["new"], m.Other+sum(m.Categories))
	}
}

func sum(m map[string]int64) int64 {
	var s int64
	for _, n := range m {
		s += n
	}
	return s
}

// normalCSV returns a CSV with a numeric column x ~ N(mean, 1) and a
// categorical column k, from a fixed seed.
func normalCSV(rows int, mean float64, seed uint64) string {
	r := rand.New(rand.NewPCG(seed, 7))
	var b strings.Builder
	b.WriteString("x,k\n")
	for i := 0; i < rows; i++ {
		fmt.Fprintf(&b, "%.6f,%c\n", mean+r.NormFloat64(), 'a'+rune(r.IntN(4)))
	}
	return b.String()
}

func TestMergeIsOrderIndependent(t *testing.T) {
	parts := make([]*Profile, 4)
	for i := range parts {
		parts[i] = mustCSV(t, normalCSV(3000, 0, uint64(i)), fmt.Sprintf("part-%d.csv", i), "x", "k")
	}
	merge := func(order ...int) *Profile {
		p := New([]string{"x", "k"})
		for _, i := range order {
			p.Merge(parts[i])
		}
		return p
	}
	a, b := merge(0, 1, 2, 3), merge(3, 1, 0, 2)
	ax, bx := a.Column("x"), b.Column("x")
	if fmt.Sprint(ax.Sample) != fmt.Sprint(bx.Sample) || len(ax.Sample) != SampleSize {
		t.Fatal("samples differ with merge order or are not full")
	}
	if fmt.Sprint(a.Column("k").Categories) != fmt.Sprint(b.Column("k").Categories) {
		t.Fatal("categories differ with merge order")
	}
	if a.Rows != 12000 || ax.Count != 12000 || ax.Min != bx.Min || ax.Max != bx.Max || math.Abs(float64(ax.Mean-bx.Mean)) > 1e-12 {
		t.Fatalf("totals differ: %+v vs %+v", ax, bx)
	}
	// The sample is a uniform sample: its median is near the true 0.
	v := ax.SortedSample()
	if med := v[len(v)/2]; math.Abs(med) > 0.1 {
		t.Fatalf("sample median %v, want about 0", med)
	}
	// Merging a profile into itself twice does not duplicate sample points.
	c := merge(0)
	c.Merge(parts[0])
	for i := 1; i < len(c.Column("x").Sample); i++ {
		if c.Column("x").Sample[i] == c.Column("x").Sample[i-1] {
			t.Fatal("duplicate sample point")
		}
	}
}

func FuzzCSVProfile(f *testing.F) {
	f.Add("a,b\n1,x\n2,y\n", "a")
	f.Add("a\n\"unterminated\n", "a")
	f.Add("\ufeffa,b\nNaN,1e999\n,\n", "b")
	f.Fuzz(func(t *testing.T, data, col string) {
		p, err := CSV(strings.NewReader(data), "fuzz.csv", []string{col})
		if err != nil {
			return
		}
		encodeStable(t, p)
	})
}

// BenchmarkCSVProfile profiles 3 of 10 columns (a numeric, an integer and
// a categorical one), the shape of a dataset { stats { columns } } block;
// MB/s is CSV bytes per second on one core.
func BenchmarkCSVProfile(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	var sb strings.Builder
	sb.WriteString("id,ts,tenure,monthly_charges,contract,a,b,c,d,e\n")
	for i := 0; i < 100000; i++ {
		fmt.Fprintf(&sb, "%d,2026-01-%02d,%d,%.2f,%s,%.4f,%d,x%d,%.3f,%q\n", i, 1+i%28, r.IntN(72),
			20+r.Float64()*100, []string{"month", "one_year", "two_year"}[r.IntN(3)],
			r.NormFloat64(), r.IntN(1000), r.IntN(50), r.Float64(), "free, text")
	}
	data := sb.String()
	cols := []string{"tenure", "monthly_charges", "contract"}
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := CSV(strings.NewReader(data), "bench.csv", cols); err != nil {
			b.Fatal(err)
		}
	}
}

func TestTruncateAndExact(t *testing.T) {
	parts := make([]*Profile, 3)
	full := New([]string{"x"})
	for i := range parts {
		parts[i] = mustCSV(t, normalCSV(3000, 0, uint64(10+i)), fmt.Sprintf("p%d.csv", i), "x")
		full.Merge(parts[i])
	}
	if !full.Exact() || len(full.Column("x").Sample) != SampleSize {
		t.Fatal("merge of whole parts is not exact")
	}
	limit := full.Limit()
	cut := New([]string{"x"})
	for _, p := range parts {
		q := *p
		q.Columns = []*Column{ptr(*p.Columns[0])}
		q.Truncate(limit * 2)
		if len(q.Columns[0].Sample) >= len(p.Columns[0].Sample) {
			t.Fatal("truncation kept every point")
		}
		cut.Merge(&q)
	}
	if !cut.Exact() || fmt.Sprint(cut.Column("x").Sample) != fmt.Sprint(full.Column("x").Sample) {
		t.Fatal("merge of parts cut above the merged limit differs from the full merge")
	}
	// Parts cut too low cannot make a full sample: not exact.
	low := New([]string{"x"})
	for _, p := range parts {
		q := *p
		q.Columns = []*Column{ptr(*p.Columns[0])}
		q.Truncate(limit / 4)
		low.Merge(&q)
	}
	if low.Exact() {
		t.Fatal("merge of parts cut below the limit claims to be exact")
	}
}

func ptr[T any](v T) *T { return &v }

func TestLineLimit(t *testing.T) {
	tests := []struct {
		data string
		ok   bool
	}{
		{"v\n1\n", true},
		{strings.Repeat("x", 100) + "\n" + strings.Repeat("y", 100), true},
		{"v\n" + strings.Repeat("x", 101), false},
	}
	for _, tt := range tests {
		l := &lineLimit{r: strings.NewReader(tt.data), path: "blob.csv", max: 100}
		_, err := io.Copy(io.Discard, l)
		if (err == nil) != tt.ok {
			t.Errorf("%.10q...: err %v, want ok=%v", tt.data, err, tt.ok)
		}
		if err != nil && (!strings.Contains(err.Error(), "blob.csv") || !strings.Contains(err.Error(), "line longer than 100 bytes")) {
			t.Errorf("error %q", err)
		}
	}
	// Through CSV: the profile fails with the reader's error.
	r := io.MultiReader(strings.NewReader("v\n1\n"), io.LimitReader(zeros{}, MaxLine+1))
	if testing.Short() {
		return
	}
	if _, err := CSV(r, "blob.csv", []string{"v"}); err == nil || !strings.Contains(err.Error(), "line longer than") {
		t.Fatalf("CSV error = %v", err)
	}
}

// TestRecordLimit: a quoted field that never closes makes the rest of the
// file one record, in lines of any length; it is refused once the record
// passes MaxLine, as a long line is, instead of being held in memory.
func TestRecordLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 64 MiB")
	}
	r := io.MultiReader(strings.NewReader("v\n1\n\"unclosed\n"), io.LimitReader(shortLines{}, MaxLine+readAhead+1))
	_, err := CSV(r, "q.csv", []string{"v"})
	if err == nil || !strings.Contains(err.Error(), "profile q.csv: a row longer than 67108864 bytes starts at byte 4; does a quoted field there miss its closing quote?") {
		t.Fatalf("CSV error = %v", err)
	}
	// Many records of the same total size are fine.
	p, err := CSV(io.MultiReader(strings.NewReader("v\n"), io.LimitReader(shortLines{}, MaxLine+readAhead+1)), "ok.csv", []string{"v"})
	if err != nil || p.Rows == 0 {
		t.Fatalf("CSV of short rows: %v", err)
	}
}

// shortLines reads as endless lines of 99 x's.
type shortLines struct{}

func (shortLines) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
		if i%100 == 99 {
			p[i] = '\n'
		}
	}
	return len(p), nil
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// A column of long text values keeps each as a bounded key: a profile of
// values of 1 MiB must not hold a MiB per category (each key is at most
// 256 bytes, however many rows). Distinct long values stay distinct,
// equal ones count together, and the key is valid UTF-8 even when the
// cut falls inside a character.
func TestCSVLongCategoriesBounded(t *testing.T) {
	const distinct = 20
	var b strings.Builder
	b.WriteString("txt\n")
	long := strings.Repeat("é", 1<<19) // 1 MiB, 2-byte characters
	for i := range 2 * distinct {
		fmt.Fprintf(&b, "x%s%d\n", long, i%distinct)
	}
	p := mustCSV(t, b.String(), "long.csv", "txt")
	c := p.Columns[0]
	if len(c.Categories) != distinct {
		t.Fatalf("%d categories, want %d", len(c.Categories), distinct)
	}
	var total int
	for k, n := range c.Categories {
		if len(k) > 256 || !utf8.ValidString(k) || !strings.HasPrefix(k, "xé") {
			t.Fatalf("category key of %d bytes %q...", len(k), k[:min(len(k), 40)])
		}
		if n != 2 {
			t.Errorf("category %q counted %d times, want 2", k, n)
		}
		total += len(k)
	}
	enc, err := Encode(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(enc) > distinct*256*2 {
		t.Errorf("encoded profile is %d bytes", len(enc))
	}
	short := mustCSV(t, "txt\nyes\nno\n", "short.csv", "txt")
	if _, ok := short.Columns[0].Categories["yes"]; !ok {
		t.Errorf("short values changed: %v", short.Columns[0].Categories)
	}
}
