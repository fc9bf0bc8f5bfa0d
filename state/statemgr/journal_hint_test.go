package statemgr

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/mlform/mlform/internal/wanterr"
	"github.com/mlform/mlform/state"
	"github.com/mlform/mlform/state/statesample"
)

// TestJournalAnnouncements: a change announced through the context is
// journaled from the announced entries alone; one the state shows
// incomplete is compared in full; and with verification on (test builds)
// an announcement that missed a change fails the write.
func TestJournalAnnouncements(t *testing.T) {
	tests := []struct {
		name     string
		announce func(ctx context.Context) context.Context
		change   func(s *state.State)
		verify   bool
		wantErr  string
	}{
		{"announced model change", func(ctx context.Context) context.Context { return ChangingModel(ctx, "a") },
			func(s *state.State) { s.Models["a"].NextVersion = 5 }, true, ""},
		{"new model announced (EnsureModel)", func(ctx context.Context) context.Context { return ChangingModel(ctx, "c") },
			func(s *state.State) { s.EnsureModel("c") }, true, ""},
		{"model and policy", func(ctx context.Context) context.Context {
			return ChangingPolicy(ChangingModel(ctx, "b"), "p")
		}, func(s *state.State) {
			s.Models["b"].NextVersion = 2
			s.Policies["p"].LastTrain["b"] = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
		}, true, ""},
		{"unannounced new entry falls back to a full comparison", func(ctx context.Context) context.Context { return ChangingModel(ctx, "a") },
			func(s *state.State) { s.Datasets["e"] = &state.Dataset{Name: "e", Snapshots: []*state.Snapshot{}} }, true, ""},
		{"missed change fails in test builds", func(ctx context.Context) context.Context { return ChangingModel(ctx, "a") },
			func(s *state.State) { s.Models["b"].NextVersion = 9 }, true, "models.b changed"},
		{"dataset announced", func(ctx context.Context) context.Context { return ChangingDataset(ctx, "d") },
			func(s *state.State) { delete(s.Datasets, "d") }, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			m, err := OpenManager(ctx, filepath.Join(t.TempDir(), "state"), "")
			if err != nil {
				t.Fatal(err)
			}
			s := statesample.Small()
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
				wanterr.Check(t, err, tt.wantErr)
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
