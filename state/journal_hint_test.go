package state

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// hintState is a small valid state with two models, a dataset and a
// policy.
func hintState() *State {
	s := New()
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s.Datasets["d"] = &Dataset{Name: "d", Snapshots: []*Snapshot{}}
	for _, name := range []string{"a", "b"} {
		s.Models[name] = &Model{Name: name, NextVersion: 1, Versions: []*Version{}, Aliases: map[string]*Alias{}}
	}
	s.Policies["p"] = &Policy{Name: "p", LastTrain: map[string]time.Time{"a": at}}
	return s
}

// TestJournalAnnouncements: a change announced through the context is
// journaled from the announced entries alone; one the state shows
// incomplete is compared in full; and with verification on (test builds)
// an announcement that missed a change fails the write.
func TestJournalAnnouncements(t *testing.T) {
	tests := []struct {
		name     string
		announce func(ctx context.Context) context.Context
		change   func(s *State)
		verify   bool
		wantErr  string
	}{
		{"announced model change", func(ctx context.Context) context.Context { return ChangingModel(ctx, "a") },
			func(s *State) { s.Models["a"].NextVersion = 5 }, true, ""},
		{"new model announced (EnsureModel)", func(ctx context.Context) context.Context { return ChangingModel(ctx, "c") },
			func(s *State) { s.EnsureModel("c") }, true, ""},
		{"model and policy", func(ctx context.Context) context.Context {
			return ChangingPolicy(ChangingModel(ctx, "b"), "p")
		}, func(s *State) {
			s.Models["b"].NextVersion = 2
			s.Policies["p"].LastTrain["b"] = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
		}, true, ""},
		{"unannounced new entry falls back to a full comparison", func(ctx context.Context) context.Context { return ChangingModel(ctx, "a") },
			func(s *State) { s.Datasets["e"] = &Dataset{Name: "e", Snapshots: []*Snapshot{}} }, true, ""},
		{"missed change fails in test builds", func(ctx context.Context) context.Context { return ChangingModel(ctx, "a") },
			func(s *State) { s.Models["b"].NextVersion = 9 }, true, "models.b changed"},
		{"dataset announced", func(ctx context.Context) context.Context { return ChangingDataset(ctx, "d") },
			func(s *State) { delete(s.Datasets, "d") }, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			m, err := OpenManager(ctx, filepath.Join(t.TempDir(), "state"), "")
			if err != nil {
				t.Fatal(err)
			}
			s := hintState()
			jw := m.JournalWriter()
			jw.verify = tt.verify
			if err := jw.Write(ctx, s); err != nil {
				t.Fatal(err)
			}
			s.Models["a"].NextVersion = 2 // one journaled change first
			if err := jw.Write(ChangingModel(ctx, "a"), s); err != nil {
				t.Fatal(err)
			}
			before := s.Serial
			tt.change(s)
			err = jw.Write(tt.announce(ctx), s)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if got, _ := m.Read(ctx); got.Serial != before {
					t.Fatalf("a refused write was recorded (serial %d)", got.Serial)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := m.Read(ctx)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := contentKey(s)
			have, _ := contentKey(got)
			if string(want) != string(have) || got.Serial != s.Serial {
				t.Fatalf("read back serial %d (wrote %d):\n%s\nwant\n%s", got.Serial, s.Serial, have, want)
			}
		})
	}
}
