package reproduce

import (
	"maps"
	"slices"
)

// FileMatch compares one artifact ("" hash: absent on that side).
type FileMatch struct {
	Path       string `json:"path"`
	Recorded   string `json:"recorded"`
	Reproduced string `json:"reproduced"`
	Match      bool   `json:"match"`
}

// MetricMatch compares one metric (nil: absent on that side).
type MetricMatch struct {
	Name       string   `json:"name"`
	Recorded   *float64 `json:"recorded"`
	Reproduced *float64 `json:"reproduced"`
	Match      bool     `json:"match"`
}

// compareFiles pairs artifacts by path (path -> hash on each side).
func compareFiles(recorded, got map[string]string) []FileMatch {
	paths := slices.Sorted(maps.Keys(mergeKeys(recorded, got)))
	out := make([]FileMatch, 0, len(paths))
	for _, p := range paths {
		m := FileMatch{Path: p, Recorded: recorded[p], Reproduced: got[p]}
		m.Match = m.Recorded != "" && m.Recorded == m.Reproduced
		out = append(out, m)
	}
	return out
}

// compareMetrics pairs metrics by name; equal means exactly equal.
func compareMetrics(recorded, got map[string]float64) []MetricMatch {
	names := slices.Sorted(maps.Keys(mergeKeys(recorded, got)))
	out := make([]MetricMatch, 0, len(names))
	for _, k := range names {
		m := MetricMatch{Name: k}
		if v, ok := recorded[k]; ok {
			m.Recorded = &v
		}
		if v, ok := got[k]; ok {
			m.Reproduced = &v
		}
		m.Match = m.Recorded != nil && m.Reproduced != nil && *m.Recorded == *m.Reproduced
		out = append(out, m)
	}
	return out
}

// mergeKeys is the set of keys of a and b.
func mergeKeys[V any](a, b map[string]V) map[string]bool {
	out := make(map[string]bool, len(a)+len(b))
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}
