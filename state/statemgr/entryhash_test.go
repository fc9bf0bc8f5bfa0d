package statemgr

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/mlform/mlform/state"
)

// TestValueHasherSeesEveryChange: every kind of change a runner makes to
// an entry changes its fingerprint, and equal values hash equal.
func TestValueHasherSeesEveryChange(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	base := func() *state.Model {
		return &state.Model{Name: "m", NextVersion: 3, Versions: []*state.Version{{Version: 1, Status: state.StatusSucceeded,
			Metrics: map[string]float64{"a": 1, "b": 2}, StartedAt: at,
			Inputs: state.Inputs{Snapshots: map[string]string{"d": "aa"}, Params: map[string]any{"lr": 0.1, "n": []any{1.0, "x"}}}}},
			Aliases: map[string]*state.Alias{"prod": {Name: "prod", Version: 1}}}
	}
	tests := []struct {
		name string
		edit func(m *state.Model)
	}{
		{"metric value", func(m *state.Model) { m.Versions[0].Metrics["a"] = 1.5 }},
		{"metric added", func(m *state.Model) { m.Versions[0].Metrics["c"] = 0 }},
		{"metrics swapped between names", func(m *state.Model) { m.Versions[0].Metrics["a"], m.Versions[0].Metrics["b"] = 2, 1 }},
		{"version appended", func(m *state.Model) { m.Versions = append(m.Versions, &state.Version{Version: 2}) }},
		{"counter", func(m *state.Model) { m.NextVersion++ }},
		{"time", func(m *state.Model) { m.Versions[0].StartedAt = at.Add(time.Nanosecond) }},
		{"time zone of the same instant", func(m *state.Model) { m.Versions[0].StartedAt = at.In(time.FixedZone("X", 3600)) }},
		{"alias moved", func(m *state.Model) { m.Aliases["prod"].Version = 2 }},
		{"alias removed", func(m *state.Model) { delete(m.Aliases, "prod") }},
		{"param type", func(m *state.Model) { m.Versions[0].Inputs.Params["lr"] = "0.1" }},
		{"nested param", func(m *state.Model) { m.Versions[0].Inputs.Params["n"] = []any{1.0, "y"} }},
		{"string moved between fields", func(m *state.Model) { m.Versions[0].Status, m.Name = m.Name, m.Versions[0].Status }},
		{"nil pointer", func(m *state.Model) { m.Versions[0] = nil }},
	}
	h := newValueHasher()
	sum := func(m *state.Model) uint64 { return h.sum(reflect.ValueOf(m)) }
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
			s := state.New()
			at := time.Now().UTC()
			for i := range n {
				name := fmt.Sprintf("m%04d", i)
				s.Datasets[name] = &state.Dataset{Name: name, Snapshots: []*state.Snapshot{{ID: "ab", CreatedAt: at, Source: "data/" + name, Files: 1, Bytes: 25, Store: "default"}}}
				s.Models[name] = &state.Model{Name: name, NextVersion: 2, Versions: []*state.Version{{Version: 1, Status: state.StatusSucceeded, Reasons: []string{"new"},
					Inputs:  state.Inputs{Snapshots: map[string]string{name: "ab"}, CodeHash: "cd", Params: map[string]any{"seed": float64(i)}, Command: []string{"sh", "train.sh"}},
					Metrics: map[string]float64{"accuracy": 0.9, "rows": 4}, StartedAt: at, EndedAt: at}},
					Aliases: map[string]*state.Alias{"production": {Name: "production", Version: 1, History: []*state.AliasMove{{To: 1, At: at, By: "me"}}}}}
				s.Policies[name] = &state.Policy{Name: name, LastTrain: map[string]time.Time{name: at}}
			}
			tr := newEntryTracker()
			for b.Loop() {
				tr.fingerprints(s)
			}
		})
	}
}
