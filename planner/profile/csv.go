package profile

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// CSV profiles the named columns of one CSV file read from r: a header row,
// then data rows. path names the file in errors and seeds the sampling
// hash, so the same file at the same path always yields the same profile.
//
// Quotes are parsed leniently (encoding/csv LazyQuotes). A row shorter than
// the header has nulls in the missing columns. A requested column absent
// from the header is an error naming the column, the file and the columns
// the file has.
func CSV(r io.Reader, path string, columns []string) (*Profile, error) {
	// Large reads: behind a pipe every read is a goroutine hand-off, and
	// csv's default 4 KiB buffer would make hundreds of them per MiB.
	ll := &lineLimit{r: r, path: path, max: MaxLine}
	br := bufio.NewReaderSize(ll, readAhead)
	// A UTF-8 byte order mark (Excel's "CSV UTF-8", R's UTF-8-BOM) goes
	// before the parser sees it: left in, it would make a quoted first
	// header ("a") an unquoted field that keeps its quotes.
	var skipped int64
	if b, _ := br.Peek(3); bytes.Equal(b, []byte("\ufeff")) {
		_, _ = br.Discard(3) // the 3 bytes are buffered: no error
		skipped = 3
	}
	cr := csv.NewReader(br)
	cr.ReuseRecord = true
	cr.LazyQuotes = true
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("profile %s: empty file, expected a header row naming the stats columns", path)
	}
	if err != nil {
		return nil, fmt.Errorf("profile %s: header: %w", path, err)
	}
	ll.record = skipped + cr.InputOffset()
	idx, err := columnIndexes(header, path, columns)
	if err != nil {
		return nil, err
	}
	h := fnv.New64a()
	h.Write([]byte(path))
	seed := h.Sum64()
	bs := make([]*builder, len(columns))
	for i, name := range columns {
		bs[i] = &builder{c: &Column{Name: name}, seed: seed}
	}
	var rows int64
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("profile %s: %w", path, err)
		}
		ll.record = skipped + cr.InputOffset()
		for i, b := range bs {
			v := ""
			if idx[i] < len(rec) {
				v = rec[idx[i]]
			}
			b.add(v, rows)
		}
		rows++
	}
	p := &Profile{FormatVersion: FormatVersion, Files: 1, Rows: rows, Columns: make([]*Column, len(bs))}
	for i, b := range bs {
		p.Columns[i] = b.finish()
	}
	return p, nil
}

// MaxLine bounds the bytes between two newlines, and those of one record
// (a quoted field may span lines). encoding/csv holds a whole record in
// memory, so a large file without newlines (a binary file named .csv), or
// one whose quoted field never closes, would otherwise cost its size in RAM.
const MaxLine = 64 << 20

// readAhead is the buffer between the file and the CSV parser: the reader
// runs at most this far ahead of the record the parser is in.
const readAhead = 256 << 10

// lineLimit fails a read once a line grows past max bytes, or once the
// record being parsed (which starts at record, set by the caller after
// each record) does.
type lineLimit struct {
	r      io.Reader
	path   string
	max    int64
	run    int64 // bytes since the last newline
	off    int64
	record int64 // offset where the record being parsed starts
}

func (l *lineLimit) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	b := p[:n]
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			l.run += int64(len(b))
			break
		}
		l.run = 0
		b = b[i+1:]
	}
	l.off += int64(n)
	if l.run > l.max {
		return n, fmt.Errorf("profile %s: a line longer than %d bytes ends past byte %d; is it a CSV file?", l.path, l.max, l.off)
	}
	if l.off-l.record > l.max+readAhead {
		return n, fmt.Errorf("a row longer than %d bytes starts at byte %d; does a quoted field there miss its closing quote?", l.max, l.record) // CSV names the file
	}
	return n, err
}

// columnIndexes maps each requested column to its index in header.
func columnIndexes(header []string, path string, columns []string) ([]int, error) {
	pos := make(map[string]int, len(header))
	names := make([]string, len(header))
	for i, h := range header {
		if i == 0 {
			h = strings.TrimPrefix(h, "\ufeff") // UTF-8 byte order mark
		}
		h = strings.TrimSpace(h)
		names[i] = h
		if _, dup := pos[h]; dup {
			pos[h] = -1 // ambiguous
			continue
		}
		pos[h] = i
	}
	idx := make([]int, len(columns))
	for i, c := range columns {
		if c == "" || !utf8.ValidString(c) {
			return nil, fmt.Errorf("stats column %q: a column name must be non-empty UTF-8 text", c)
		}
		if slices.Contains(columns[:i], c) {
			return nil, fmt.Errorf("stats column %q is listed twice", c)
		}
		j, ok := pos[c]
		switch {
		case !ok:
			return nil, fmt.Errorf("stats column %q not found in the header of %s (it has: %s)", c, path, listColumns(names))
		case j < 0:
			return nil, fmt.Errorf("stats column %q appears more than once in the header of %s", c, path)
		}
		idx[i] = j
	}
	return idx, nil
}

func listColumns(names []string) string {
	const show = 12
	if len(names) > show {
		return strings.Join(names[:show], ", ") + fmt.Sprintf(", ... (%d more)", len(names)-show)
	}
	return strings.Join(names, ", ")
}

// builder accumulates one column of one file.
type builder struct {
	c    *Column
	seed uint64
	heap []Point // max-heap by (hash, value) of at most SampleSize points
}

func (b *builder) add(raw string, row int64) {
	c := b.c
	c.Count++
	if isNull(raw) {
		c.Nulls++
		return
	}
	v := strings.TrimSpace(raw)
	if f, ok := parseNumber(v); ok {
		if math.IsInf(f, 0) || math.IsNaN(f) {
			c.Nulls++
			return
		}
		if f == 0 {
			f = 0 // -0 and 0 are one value
		}
		if c.Numbers == 0 {
			c.Min, c.Max = f, f
		} else {
			c.Min, c.Max = math.Min(c.Min, f), math.Max(c.Max, f)
		}
		c.Numbers++
		c.Sum += Stat(f)
		b.sample(Point{Hash: mix(mix(b.seed^uint64(row)) ^ math.Float64bits(f)), Value: f})
		c.Other++ // numbers are summarised by the sample, not as categories
		return
	}
	if !utf8.ValidString(v) {
		// Stored profiles are JSON: one spelling for invalid bytes keeps
		// the encoding stable (JSON would turn them into U+FFFD anyway).
		v = strings.ToValidUTF8(v, "\uFFFD")
	}
	if len(v) > MaxCategoryBytes {
		v = longCategory(v)
	}
	if n, ok := c.Categories[v]; ok {
		c.Categories[v] = n + 1
		return
	}
	if len(c.Categories) >= CategoryCap {
		c.Other++
		return
	}
	if c.Categories == nil {
		c.Categories = make(map[string]int64)
	}
	c.Categories[strings.Clone(v)] = 1
}

// MaxCategoryBytes bounds the length of a category as the profile keeps
// it. A column of long text (descriptions, JSON blobs, a field of
// megabytes) would otherwise keep up to CategoryCap whole values per file
// in memory, in the stat cache, in the saved plan and in the stored
// profile: 300 values of 1 MiB cost 4 GiB of memory to plan.
const MaxCategoryBytes = 256

// longCategory is the key of a value longer than MaxCategoryBytes: its
// first bytes (whole characters), "…#" and a 64-bit hash of the whole
// value in hex, so distinct long values stay distinct categories and the
// key is at most MaxCategoryBytes long.
func longCategory(v string) string {
	h := fnv.New64a()
	h.Write([]byte(v))
	suffix := fmt.Sprintf("…#%016x", h.Sum64())
	cut := MaxCategoryBytes - len(suffix)
	for cut > 0 && !utf8.RuneStart(v[cut]) {
		cut--
	}
	return v[:cut] + suffix
}

// parseNumber parses a finite or infinite decimal number. Values that
// cannot start a number are rejected before strconv, whose failure path
// allocates an error: categorical columns would pay it on every value.
func parseNumber(v string) (float64, bool) {
	switch c := v[0]; {
	case c >= '0' && c <= '9', c == '-', c == '+', c == '.', c == 'i', c == 'I':
	default:
		return 0, false
	}
	f, err := strconv.ParseFloat(v, 64)
	return f, err == nil || isRange(err)
}

// isRange reports a ParseFloat range error, whose value (±Inf or ±0) is
// still returned; ±Inf become nulls and underflows count as 0.
func isRange(err error) bool {
	var ne *strconv.NumError
	return errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange)
}

// sample offers p to the bottom-k heap.
func (b *builder) sample(p Point) {
	h := b.heap
	if len(h) < SampleSize {
		h = append(h, p)
		for i := len(h) - 1; i > 0; { // sift up
			parent := (i - 1) / 2
			if !lessPoint(h[parent], h[i]) {
				break
			}
			h[parent], h[i] = h[i], h[parent]
			i = parent
		}
		b.heap = h
		return
	}
	if !lessPoint(p, h[0]) {
		return
	}
	h[0] = p
	for i := 0; ; { // sift down
		l, r, big := 2*i+1, 2*i+2, i
		if l < len(h) && lessPoint(h[big], h[l]) {
			big = l
		}
		if r < len(h) && lessPoint(h[big], h[r]) {
			big = r
		}
		if big == i {
			break
		}
		h[i], h[big] = h[big], h[i]
		i = big
	}
}

func (b *builder) finish() *Column {
	slices.SortFunc(b.heap, func(x, y Point) int {
		switch {
		case lessPoint(x, y):
			return -1
		case lessPoint(y, x):
			return 1
		}
		return 0
	})
	b.c.Sample = b.heap
	b.c.SampleLimit = math.MaxUint64
	if len(b.heap) == SampleSize {
		b.c.SampleLimit = b.heap[SampleSize-1].Hash
	}
	b.c.finish()
	return b.c
}

// mix is the splitmix64 finaliser: a fast, well-distributed 64-bit mix
// whose output is fixed across platforms and releases (unlike maphash).
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
