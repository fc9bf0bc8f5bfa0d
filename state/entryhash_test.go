package state

import (
	"fmt"
	"reflect"
	"testing"
	"time"
)

// TestValueHasherSeesEveryChange: every kind of change a runner makes to
// an entry changes its fingerprint, and equal values hash equal.
func TestValueHasherSeesEveryChange(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	base := func() *Model {
		return &Model{Name: "m", NextVersion: 3, Versions: []*Version{{Version: 1, Status: StatusSucceeded,
			Metrics: map[string]float64{"a": 1, "b": 2}, StartedAt: at,
			Inputs: Inputs{Snapshots: map[string]string{"d": "aa"}, Params: map[string]any{"lr": 0.1, "n": []any{1.0, "x"}}}}},
			Aliases: map[string]*Alias{"prod": {Name: "prod", Version: 1}}}
	}
	tests := []struct {
		name string
		edit func(m *Model)
	}{
		{"metric value", func(m *Model) { m.Versions[0].Metrics["a"] = 1.5 }},
		{"metric added", func(m *Model) { m.Versions[0].Metrics["c"] = 0 }},
		{"metrics swapped between names", func(m *Model) { m.Versions[0].Metrics["a"], m.Versions[0].Metrics["b"] = 2, 1 }},
		{"version appended", func(m *Model) { m.Versions = append(m.Versions, &Version{Version: 2}) }},
		{"counter", func(m *Model) { m.NextVersion++ }},
		{"time", func(m *Model) { m.Versions[0].StartedAt = at.Add(time.Nanosecond) }},
		{"time zone of the same instant", func(m *Model) { m.Versions[0].StartedAt = at.In(time.FixedZone("X", 3600)) }},
		{"alias moved", func(m *Model) { m.Aliases["prod"].Version = 2 }},
		{"alias removed", func(m *Model) { delete(m.Aliases, "prod") }},
		{"param type", func(m *Model) { m.Versions[0].Inputs.Params["lr"] = "0.1" }},
		{"nested param", func(m *Model) { m.Versions[0].Inputs.Params["n"] = []any{1.0, "y"} }},
		{"string moved between fields", func(m *Model) { m.Versions[0].Status, m.Name = m.Name, m.Versions[0].Status }},
		{"nil pointer", func(m *Model) { m.Versions[0] = nil }},
	}
	h := newValueHasher()
	sum := func(m *Model) uint64 { return h.sum(reflect.ValueOf(m)) }
	if a, b := sum(base()), sum(base()); a != b {
		t.Fatal("equal models hash differently")
	}
	seen := map[uint64]string{sum(base()): "unchanged"}
	for _, tt := range tests {
		m := base()
		tt.edit(m)
		got := sum(m)
		if prev, dup := seen[got]; dup {
			t.Errorf("%s: same fingerprint as %s", tt.name, prev)
		}
		seen[got] = tt.name
	}
}

// BenchmarkFingerprints is the per-write cost of finding what changed in a
// fleet-sized state.
func BenchmarkFingerprints(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			s := New()
			at := time.Now().UTC()
			for i := range n {
				name := fmt.Sprintf("m%04d", i)
				s.Datasets[name] = &Dataset{Name: name, Snapshots: []*Snapshot{{ID: "ab", CreatedAt: at, Source: "data/" + name, Files: 1, Bytes: 25, Store: "default"}}}
				s.Models[name] = &Model{Name: name, NextVersion: 2, Versions: []*Version{{Version: 1, Status: StatusSucceeded, Reasons: []string{"new"},
					Inputs:  Inputs{Snapshots: map[string]string{name: "ab"}, CodeHash: "cd", Params: map[string]any{"seed": float64(i)}, Command: []string{"sh", "train.sh"}},
					Metrics: map[string]float64{"accuracy": 0.9, "rows": 4}, StartedAt: at, EndedAt: at}},
					Aliases: map[string]*Alias{"production": {Name: "production", Version: 1, History: []*AliasMove{{To: 1, At: at, By: "me"}}}}}
				s.Policies[name] = &Policy{Name: name, LastTrain: map[string]time.Time{name: at}}
			}
			tr := newEntryTracker()
			for b.Loop() {
				tr.fingerprints(s)
			}
		})
	}
}
