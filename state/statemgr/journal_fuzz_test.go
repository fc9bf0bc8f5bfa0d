package statemgr

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/mlform/mlform/state"
)

// FuzzReplayJournal replays arbitrary journals on a real document. The
// journal is untrusted input: whatever replay accepts must decode as a
// valid state (the result goes through the same checks as any document),
// and nothing may panic.
func FuzzReplayJournal(f *testing.F) {
	ctx := context.Background()
	dir := filepath.Join(f.TempDir(), "state")
	m, err := OpenManager(ctx, dir, "")
	if err != nil {
		f.Fatal(err)
	}
	s := hintState()
	jw := m.JournalWriter()
	if err := jw.Write(ctx, s); err != nil {
		f.Fatal(err)
	}
	s.Models["a"].NextVersion = 7
	if err := jw.Write(ChangingModel(ctx, "a"), s); err != nil {
		f.Fatal(err)
	}
	delete(s.Datasets, "d")
	delete(s.Models, "b")
	s.Policies = map[string]*state.Policy{}
	if err := jw.Write(ctx, s); err != nil {
		f.Fatal(err)
	}
	base, err := m.b.get(ctx, ObjectState)
	if err != nil {
		f.Fatal(err)
	}
	journal, err := m.b.get(ctx, ObjectJournal)
	if err != nil {
		f.Fatal(err)
	}
	baseState, err := state.Decode(base)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(journal)
	f.Add(journal[:len(journal)-7])
	f.Add([]byte("x\n"))
	f.Fuzz(func(t *testing.T, j []byte) {
		doc, n, err := replayJournal(base, baseState, j)
		if err != nil {
			return
		}
		if n == 0 {
			if string(doc) != string(base) {
				t.Fatal("no change replayed, but the document changed")
			}
			return
		}
		if _, err := state.Decode(doc); err != nil {
			t.Fatalf("replay produced a document Decode refuses: %v", err)
		}
	})
}
