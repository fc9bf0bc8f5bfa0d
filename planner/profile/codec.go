package profile

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/mlform/mlform/internal/strictjson"
)

// Encode returns the stable JSON encoding of p, stored in the content
// store next to a snapshot: the same profile always encodes to the same
// bytes (columns in order, categories sorted by value, sample by hash).
func Encode(p *Profile) ([]byte, error) {
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("encode profile: %w", err)
	}
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encode profile: %w", err)
	}
	return b, nil
}

// Decode parses and validates an encoded profile. The bytes are untrusted
// (they come from a store or a cache): anything inconsistent — counts that
// do not add up, an unsorted or oversized sample, too many categories, an
// unknown field or format version — is an error, never a silently wrong
// drift figure.
func Decode(data []byte) (*Profile, error) {
	var head struct {
		FormatVersion int `json:"format_version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("decode profile: %w", err)
	}
	if head.FormatVersion != FormatVersion {
		return nil, fmt.Errorf("decode profile: format_version %d is not supported (this build reads %d)", head.FormatVersion, FormatVersion)
	}
	var p Profile
	if err := strictjson.Unmarshal(data, &p, strictjson.KnownFields); err != nil {
		return nil, fmt.Errorf("decode profile: %w", err)
	}
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("decode profile: %w", err)
	}
	return &p, nil
}

func (p *Profile) validate() error {
	if p.FormatVersion != FormatVersion {
		return fmt.Errorf("format_version %d, want %d", p.FormatVersion, FormatVersion)
	}
	if p.Files < 0 || p.Rows < 0 {
		return fmt.Errorf("negative files (%d) or rows (%d)", p.Files, p.Rows)
	}
	seen := make(map[string]bool, len(p.Columns))
	for i, c := range p.Columns {
		if c == nil {
			return fmt.Errorf("column %d is null", i)
		}
		if c.Name == "" || !utf8.ValidString(c.Name) {
			return fmt.Errorf("column %d has no name or one that is not UTF-8", i)
		}
		if seen[c.Name] {
			return fmt.Errorf("column %q appears twice", c.Name)
		}
		seen[c.Name] = true
		if err := c.validate(); err != nil {
			return fmt.Errorf("column %q: %w", c.Name, err)
		}
	}
	return nil
}

func (c *Column) validate() error {
	if c.Count < 0 || c.Nulls < 0 || c.Numbers < 0 || c.Other < 0 {
		return errors.New("negative count")
	}
	if c.Nulls > c.Count || c.Numbers > c.Count-c.Nulls {
		return fmt.Errorf("counts do not add up: %d values, %d nulls, %d numbers", c.Count, c.Nulls, c.Numbers)
	}
	for _, f := range []float64{c.Min, c.Max} {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return errors.New("non-finite min or max")
		}
	}
	if c.Sum.Known() != c.Mean.Known() {
		return errors.New("sum and mean are not both known or both unknown")
	}
	if c.Numbers > 0 && c.Min > c.Max {
		return fmt.Errorf("min %v above max %v", c.Min, c.Max)
	}
	if int64(len(c.Sample)) > c.Numbers || len(c.Sample) > SampleSize {
		return fmt.Errorf("sample of %d points for %d numbers (at most %d)", len(c.Sample), c.Numbers, SampleSize)
	}
	if c.SampleLimit == math.MaxUint64 && int64(len(c.Sample)) != c.Numbers {
		return fmt.Errorf("sample of %d points claims to hold all %d numbers", len(c.Sample), c.Numbers)
	}
	if len(c.Sample) == SampleSize && c.Sample[SampleSize-1].Hash != c.SampleLimit {
		return errors.New("full sample whose limit is not its largest hash")
	}
	for i, pt := range c.Sample {
		if pt.Hash > c.SampleLimit {
			return fmt.Errorf("sample hash above the sample limit %d", c.SampleLimit)
		}
		if math.IsNaN(pt.Value) || pt.Value < c.Min || pt.Value > c.Max {
			return fmt.Errorf("sample value %v outside [%v, %v]", pt.Value, c.Min, c.Max)
		}
		if i > 0 && !lessPoint(c.Sample[i-1], pt) {
			return errors.New("sample not sorted by hash")
		}
	}
	if len(c.Categories) > CategoryCap {
		return fmt.Errorf("%d categories (at most %d)", len(c.Categories), CategoryCap)
	}
	total := c.Other
	for v, n := range c.Categories {
		if n <= 0 {
			return fmt.Errorf("category %q has count %d", v, n)
		}
		total += n
		if total < 0 || total > c.Count-c.Nulls {
			return errors.New("category counts exceed the non-null values")
		}
	}
	want := *c
	want.finish()
	if want.Kind != c.Kind {
		return fmt.Errorf("kind %q does not match the counts (%s)", c.Kind, want.Kind)
	}
	return nil
}

// MarshalJSON encodes a point compactly as [hash, value].
func (p Point) MarshalJSON() ([]byte, error) {
	if math.IsNaN(p.Value) || math.IsInf(p.Value, 0) {
		return nil, fmt.Errorf("non-finite sample value %v", p.Value)
	}
	b := make([]byte, 0, 48)
	b = append(b, '[')
	b = strconv.AppendUint(b, p.Hash, 10)
	b = append(b, ',')
	b = strconv.AppendFloat(b, p.Value, 'g', -1, 64)
	return append(b, ']'), nil
}

// UnmarshalJSON decodes [hash, value].
func (p *Point) UnmarshalJSON(b []byte) error {
	var raw []json.Number
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("sample point: %w", err)
	}
	if len(raw) != 2 {
		return fmt.Errorf("sample point has %d elements, want [hash, value]", len(raw))
	}
	h, err := strconv.ParseUint(raw[0].String(), 10, 64)
	if err != nil {
		return fmt.Errorf("sample point hash: %w", err)
	}
	v, err := strconv.ParseFloat(raw[1].String(), 64)
	if err != nil {
		return fmt.Errorf("sample point value: %w", err)
	}
	p.Hash, p.Value = h, v
	return nil
}

// Stat is a column's sum or mean: a finite number, or unknown (any
// non-finite value in memory, null in JSON) when finite values summed
// past float64's range.
type Stat float64

// Known reports whether s is a finite number.
func (s Stat) Known() bool {
	return !math.IsNaN(float64(s)) && !math.IsInf(float64(s), 0)
}

// MarshalJSON writes a known Stat as a number and an unknown one as null.
func (s Stat) MarshalJSON() ([]byte, error) {
	if !s.Known() {
		return []byte("null"), nil
	}
	return json.Marshal(float64(s)) // the bytes encoding/json always wrote
}

// UnmarshalJSON reads a number, or null as unknown.
func (s *Stat) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*s = Stat(math.NaN())
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("sum or mean: %w", err)
	}
	*s = Stat(f)
	return nil
}
