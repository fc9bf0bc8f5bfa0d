// Package profile computes per-column profiles of CSV files and the drift
// statistics between two profiles.
//
// A profile is built per file in the same read that hashes it, cached per
// file by the observer, and merged across the files of a snapshot; so every
// part of it is mergeable:
//
//   - counts (values, nulls, numeric values), min, max and sum add up;
//   - numeric values are summarised by a bottom-k sample: each value gets a
//     64-bit hash of (file path, row number, value) and the K values with
//     the smallest hashes are kept. Merging two samples keeps the K smallest
//     hashes of their union, which is exact, deterministic and independent
//     of merge order, and yields a uniform random sample of all the values
//     (quantile error about 1/sqrt(K) ≈ 1.6%). Drift uses it for deciles
//     (PSI) and for the two-sample KS statistic;
//   - non-numeric values are counted exactly up to CategoryCap distinct
//     values per column; beyond that, new values fall into Other, which
//     also counts the numeric values (they are summarised by the sample,
//     and keeping them as categories would cost a map entry per distinct
//     number in every file). A merge adds counts and, above the cap, keeps
//     the most frequent values (ties by value) and folds the rest into
//     Other, so merging is commutative and deterministic.
//
// A column's kind is decided from the counts: numeric when every non-null
// value parsed as a finite number, categorical otherwise. Both summaries
// are kept for every column, so a column whose kind differs between two
// files (or two snapshots) still merges and compares (as categorical, its
// numbers then spread over the numeric bins: see Drift).
//
// Null values: the empty string (after trimming spaces) and, ignoring case,
// "na", "n/a", "nan", "null", "none"; also numbers that parse as ±Inf, which
// carry no distribution information a sample could use.
package profile

import (
	"math"
	"slices"
	"strings"
)

// Tunables of the profile format. Changing them changes stored profiles, so
// they are part of FormatVersion.
const (
	FormatVersion = 1
	// SampleSize is K of the bottom-k numeric sample.
	SampleSize = 4096
	// CategoryCap bounds the distinct categorical values kept per column.
	CategoryCap = 1000
	// OtherCategory names the bucket of values beyond CategoryCap.
	OtherCategory = "__other__"
)

// Column kinds.
const (
	Numeric     = "numeric"
	Categorical = "categorical"
)

// Profile is the merged profile of one or more CSV files.
type Profile struct {
	FormatVersion int `json:"format_version"`
	// Files is the number of CSV files merged into the profile.
	Files int64 `json:"files"`
	// Rows is the number of data rows (header excluded) across files.
	Rows int64 `json:"rows"`
	// Columns in the order they were requested.
	Columns []*Column `json:"columns"`
}

// Column is the profile of one column.
type Column struct {
	Name string `json:"name"`
	// Kind is Numeric or Categorical, derived from the counts.
	Kind string `json:"kind"`
	// Count is the number of values (rows) seen, nulls included.
	Count int64 `json:"count"`
	Nulls int64 `json:"nulls"`
	// Numbers counts the non-null values that parsed as finite numbers;
	// Min, Max, Sum and Mean are over those (zero when there are none).
	// Finite values can still sum past float64's range: Sum and Mean are
	// then unknown (null in JSON), and the snapshot is taken all the same.
	Numbers int64   `json:"numbers"`
	Min     float64 `json:"min"`
	Max     float64 `json:"max"`
	Sum     Stat    `json:"sum"`
	Mean    Stat    `json:"mean"`
	// Sample is the bottom-k sample of numeric values, by ascending hash:
	// every value whose hash is at most SampleLimit, and at most
	// SampleSize of them. SampleLimit is the largest hash in a full sample
	// and math.MaxUint64 while every value fits. A sample cut below its
	// natural limit (Truncate) is a partial view used to keep per-file
	// cache entries small; Exact tells whether a merge of such parts is
	// the true bottom-k.
	Sample      []Point `json:"sample,omitempty"`
	SampleLimit uint64  `json:"sample_limit"`
	// Categories counts non-numeric, non-null values exactly (up to
	// CategoryCap of them); Other counts the other non-null values: the
	// numbers and the values beyond the cap.
	Categories map[string]int64 `json:"categories,omitempty"`
	Other      int64            `json:"other,omitempty"`
}

// Point is one sampled numeric value and its sampling hash.
type Point struct {
	Hash  uint64
	Value float64
}

// New returns an empty profile of the named columns.
func New(columns []string) *Profile {
	p := &Profile{FormatVersion: FormatVersion, Columns: make([]*Column, len(columns))}
	for i, name := range columns {
		p.Columns[i] = &Column{Name: name, Kind: Categorical, SampleLimit: math.MaxUint64}
	}
	return p
}

// Column returns the named column, or nil.
func (p *Profile) Column(name string) *Column {
	for _, c := range p.Columns {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// Merge adds q into p. Columns are matched by name; a column only in q is
// appended. Merging is commutative: p.Merge(q) and q.Merge(p) describe the
// same data with the same sample and categories (floating-point sums may
// differ in the last bits, so callers merge in a fixed order — the
// observer merges files in path order).
func (p *Profile) Merge(q *Profile) {
	if q == nil {
		return
	}
	p.Files += q.Files
	p.Rows += q.Rows
	for _, qc := range q.Columns {
		pc := p.Column(qc.Name)
		if pc == nil {
			pc = &Column{Name: qc.Name, SampleLimit: math.MaxUint64}
			p.Columns = append(p.Columns, pc)
		}
		pc.merge(qc)
	}
}

func (c *Column) merge(o *Column) {
	if o.Numbers > 0 {
		if c.Numbers == 0 {
			c.Min, c.Max = o.Min, o.Max
		} else {
			c.Min, c.Max = math.Min(c.Min, o.Min), math.Max(c.Max, o.Max)
		}
	}
	c.Count += o.Count
	c.Nulls += o.Nulls
	c.Numbers += o.Numbers
	c.Sum += o.Sum
	c.SampleLimit = min(c.SampleLimit, o.SampleLimit)
	c.Sample = mergeSamples(c.Sample, o.Sample)
	c.cutSample()
	if len(o.Categories) > 0 && c.Categories == nil {
		c.Categories = make(map[string]int64, len(o.Categories))
	}
	for v, n := range o.Categories {
		c.Categories[v] += n
	}
	c.Other += o.Other
	c.capCategories()
	c.finish()
}

// cutSample restores the sample invariant: every point at most
// SampleLimit, and SampleLimit the largest hash of a full sample.
func (c *Column) cutSample() {
	n := len(c.Sample)
	for n > 0 && c.Sample[n-1].Hash > c.SampleLimit {
		n--
	}
	c.Sample = c.Sample[:n]
	if n == SampleSize {
		c.SampleLimit = c.Sample[n-1].Hash
	}
}

// Truncate drops the sample points whose hash exceeds limit. The observer
// cuts per-file profiles this way, at a limit above the merged sample's,
// so its cache holds about two samples' worth of points in all rather
// than one per file.
func (p *Profile) Truncate(limit uint64) {
	for _, c := range p.Columns {
		c.Truncate(limit)
	}
}

// Truncate drops the column's sample points whose hash exceeds limit.
func (c *Column) Truncate(limit uint64) {
	c.SampleLimit = min(c.SampleLimit, limit)
	c.cutSample()
}

// Exact reports whether every column's sample is the true bottom-k of its
// values: full, or holding every value. A merge of truncated parts can
// fall short when values were removed; the observer then reads the parts
// again.
func (p *Profile) Exact() bool {
	for _, c := range p.Columns {
		if int64(len(c.Sample)) != min(c.Numbers, SampleSize) {
			return false
		}
	}
	return true
}

// Limit returns the smallest sample limit of the profile's columns: a
// file profile truncated at any limit at or above it loses nothing the
// merged sample uses.
func (p *Profile) Limit() uint64 {
	l := uint64(math.MaxUint64)
	for _, c := range p.Columns {
		l = min(l, c.SampleLimit)
	}
	return l
}

// finish derives Kind and Mean from the counts.
func (c *Column) finish() {
	c.Kind = Categorical
	if c.Numbers > 0 && c.Numbers == c.Count-c.Nulls {
		c.Kind = Numeric
	}
	c.Mean = 0
	if c.Numbers > 0 {
		c.Mean = c.Sum / Stat(c.Numbers)
	}
}

// capCategories keeps the CategoryCap most frequent values (ties broken by
// value) and folds the others into Other.
func (c *Column) capCategories() {
	if len(c.Categories) <= CategoryCap {
		return
	}
	type kv struct {
		v string
		n int64
	}
	all := make([]kv, 0, len(c.Categories))
	for v, n := range c.Categories {
		all = append(all, kv{v, n})
	}
	slices.SortFunc(all, func(a, b kv) int {
		if a.n != b.n {
			if a.n > b.n {
				return -1
			}
			return 1
		}
		return strings.Compare(a.v, b.v)
	})
	for _, e := range all[CategoryCap:] {
		c.Other += e.n
		delete(c.Categories, e.v)
	}
}

// mergeSamples returns the SampleSize points with the smallest hashes of
// a ∪ b (both sorted by hash), sorted by hash. Equal points (the same file
// merged twice) are kept once.
func mergeSamples(a, b []Point) []Point {
	if len(b) == 0 {
		return a
	}
	out := make([]Point, 0, min(len(a)+len(b), SampleSize))
	i, j := 0, 0
	for len(out) < SampleSize && (i < len(a) || j < len(b)) {
		var next Point
		switch {
		case j >= len(b) || (i < len(a) && lessPoint(a[i], b[j])):
			next, i = a[i], i+1
		default:
			next, j = b[j], j+1
		}
		if n := len(out); n > 0 && out[n-1] == next {
			continue
		}
		out = append(out, next)
	}
	return out
}

func lessPoint(a, b Point) bool {
	if a.Hash != b.Hash {
		return a.Hash < b.Hash
	}
	return a.Value < b.Value
}

// isNull reports whether a raw CSV value means "missing".
func isNull(v string) bool {
	v = strings.TrimSpace(v)
	switch len(v) {
	case 0:
		return true
	case 2, 3, 4:
		switch strings.ToLower(v) {
		case "na", "n/a", "nan", "null", "none":
			return true
		}
	}
	return false
}
