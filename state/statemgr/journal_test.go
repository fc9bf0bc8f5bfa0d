package statemgr_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"gocloud.dev/blob/memblob"

	"github.com/mlform/mlform/state"
	"github.com/mlform/mlform/state/statemgr"
	"github.com/mlform/mlform/state/statetest"
)

// journalBackends are the two kinds of backend a JournalWriter uses: local
// disk (appends) and an object store (the journal rewritten whole).
func journalBackends(t *testing.T) map[string]func(t *testing.T) (*statemgr.Manager, string) {
	return map[string]func(t *testing.T) (*statemgr.Manager, string){
		"file": fileManager,
		"bucket": func(t *testing.T) (*statemgr.Manager, string) {
			b := memblob.OpenBucket(nil)
			t.Cleanup(func() { b.Close() })
			return statemgr.NewBucketManager(b, "mem://"), ""
		},
	}
}

// fileManager opens a Manager on a new state directory and returns both.
func fileManager(t *testing.T) (*statemgr.Manager, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "state")
	m, err := statemgr.OpenManager(context.Background(), dir, "")
	if err != nil {
		t.Fatal(err)
	}
	return m, dir
}

// startJournal writes the sample state whole through a new JournalWriter
// on m, as apply's first write does, and returns both.
func startJournal(t *testing.T, m *statemgr.Manager) (*statemgr.JournalWriter, *state.State) {
	t.Helper()
	s := statetest.Sample()
	s.Lineage = statetest.Read(t, m).Lineage
	jw := m.JournalWriter()
	if err := jw.Write(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	return jw, s
}

// eachJournal runs test on each kind of backend (journalBackends), with
// a journal started (startJournal).
func eachJournal(t *testing.T, test func(t *testing.T, m *statemgr.Manager, jw *statemgr.JournalWriter, s *state.State)) {
	for name, open := range journalBackends(t) {
		t.Run(name, func(t *testing.T) {
			m, _ := open(t)
			jw, s := startJournal(t, m)
			test(t, m, jw, s)
		})
	}
}

// sameRecord fails unless a and b record the same world at the same serial.
func sameRecord(t *testing.T, what string, got, want *state.State) {
	t.Helper()
	g, err := state.Encode(cloneState(t, got))
	if err != nil {
		t.Fatal(err)
	}
	w, err := state.Encode(cloneState(t, want))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(g, w) {
		t.Fatalf("%s: the state read back differs from the one written\n got: %s\nwant: %s", what, g, w)
	}
}

// journalChange records one change through jw: the reasons of s's first
// churn version become {reason}.
func journalChange(t *testing.T, jw *statemgr.JournalWriter, s *state.State, reason string) {
	t.Helper()
	s.Models["churn"].Versions[0].Reasons = []string{reason}
	if err := jw.Write(context.Background(), s); err != nil {
		t.Fatal(err)
	}
}

func cloneState(t *testing.T, s *state.State) *state.State {
	t.Helper()
	c := *s
	c.MLFormVersion = ""
	return &c
}

// TestJournalWriterRecordsEachChange makes every kind of change through a
// JournalWriter and checks after each one that a new reader sees exactly
// the state written, while state.json itself is not rewritten.
func TestJournalWriterRecordsEachChange(t *testing.T) {
	changes := []struct {
		name string
		fn   func(s *state.State)
	}{
		{"add a dataset", func(s *state.State) {
			s.Datasets["events"] = &state.Dataset{Name: "events", Snapshots: []*state.Snapshot{}}
		}},
		{"add a version", func(s *state.State) {
			m := s.Models["churn"]
			v := *m.Versions[len(m.Versions)-1]
			v.Version = m.NextVersion
			m.Versions = append(m.Versions, &v)
			m.NextVersion++
		}},
		{"change a metric in place", func(s *state.State) {
			s.Models["churn"].Versions[0].Metrics["accuracy"] = 0.125
		}},
		{"record a policy's train time", func(s *state.State) {
			for _, p := range s.Policies {
				for k := range p.LastTrain {
					p.LastTrain[k] = time.Date(2030, 1, 2, 3, 4, 5, 6, time.UTC)
				}
			}
		}},
		{"add a model", func(s *state.State) { s.EnsureModel("fraud").NextVersion = 4 }},
		{"remove a model (its numbering moves to removed_models)", func(s *state.State) {
			if err := s.Remove(state.Address{Kind: state.AddrModel, Name: "fraud"}); err != nil {
				panic(err)
			}
		}},
		{"remove a dataset", func(s *state.State) { delete(s.Datasets, "events") }},
		{"no change", func(s *state.State) {}},
	}
	for name, open := range journalBackends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			m, dir := open(t)
			jw, s := startJournal(t, m)
			var baseInfo os.FileInfo
			if dir != "" {
				baseInfo, _ = os.Stat(filepath.Join(dir, statemgr.ObjectState))
			}
			for _, c := range changes {
				before := s.Serial
				c.fn(s)
				if err := jw.Write(ctx, s); err != nil {
					t.Fatalf("%s: %v", c.name, err)
				}
				if c.name == "no change" && s.Serial != before {
					t.Fatalf("a write without change moved the serial %d -> %d", before, s.Serial)
				}
				if c.name != "no change" && s.Serial != before+1 {
					t.Fatalf("%s: serial %d -> %d, want one step", c.name, before, s.Serial)
				}
				got := statetest.Read(t, m)
				if got.Serial != s.Serial {
					t.Fatalf("%s: read serial %d, wrote %d", c.name, got.Serial, s.Serial)
				}
				sameRecord(t, c.name, got, s)
			}
			if dir != "" {
				now, _ := os.Stat(filepath.Join(dir, statemgr.ObjectState))
				if !os.SameFile(baseInfo, now) || now.ModTime() != baseInfo.ModTime() {
					t.Fatal("state.json was rewritten for small changes: they belong in the journal")
				}
				if _, err := os.Stat(filepath.Join(dir, statemgr.ObjectJournal)); err != nil {
					t.Fatalf("no journal after journaled writes: %v", err)
				}
			}
			// state pull shows the document in effect, whole and signed.
			raw, err := m.ReadRaw(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if d, err := state.Decode(raw); err != nil || d.Serial != s.Serial {
				t.Fatalf("ReadRaw during a journal: serial %v, %v", d, err)
			}
			// Close folds the journal into one plain document.
			if err := jw.Close(ctx); err != nil {
				t.Fatal(err)
			}
			if dir != "" {
				if _, err := os.Stat(filepath.Join(dir, statemgr.ObjectJournal)); !errors.Is(err, os.ErrNotExist) {
					t.Fatalf("journal left after Close: %v", err)
				}
				sameRecord(t, "after Close", statetest.ReadDocument(t, dir), s)
			}
			got := statetest.Read(t, m)
			if got.Serial != s.Serial {
				t.Fatalf("Close moved the serial: %d, wrote %d", got.Serial, s.Serial)
			}
			sameRecord(t, "after Close", got, s)
			// The state can be written normally afterwards.
			s.Models["churn"].Versions[0].Reasons = []string{"after the journal"}
			if err := m.Write(ctx, s); err != nil {
				t.Fatal(err)
			}
			sameRecord(t, "Write after Close", statetest.Read(t, m), s)
		})
	}
}

// TestJournalWriterCompacts: once the journal outgrows the document it is
// folded in, and the writer continues with a new journal.
func TestJournalWriterCompacts(t *testing.T) {
	eachJournal(t, func(t *testing.T, m *statemgr.Manager, jw *statemgr.JournalWriter, s *state.State) {
		for i := range 300 {
			journalChange(t, jw, s, strings.Repeat("x", 1000)+strconv.Itoa(i))
		}
		// No backup: the document was never rewritten.
		if b := statetest.ReadBackup(t, m); b.Serial <= 1 {
			t.Fatalf("backup serial %d: the journal was never folded into the document", b.Serial)
		}
		sameRecord(t, "after compactions", statetest.Read(t, m), s)
	})
}

// TestJournalRefusesOtherWriters: a write by anyone else between two
// journaled writes (a run without the lock) makes the next one fail, as
// Write refuses a state read at an older serial.
func TestJournalRefusesOtherWriters(t *testing.T) {
	eachJournal(t, func(t *testing.T, m *statemgr.Manager, jw *statemgr.JournalWriter, s *state.State) {
		ctx := context.Background()
		journalChange(t, jw, s, "one")
		// Another run reads and writes the state whole.
		other := statetest.Read(t, m)
		other.Models["churn"].Versions[0].Reasons = []string{"other run"}
		if err := m.Write(ctx, other); err != nil {
			t.Fatal(err)
		}
		s.Models["churn"].Versions[0].Reasons = []string{"two"}
		err := jw.Write(ctx, s)
		if err == nil || !strings.Contains(err.Error(), "changed since") {
			t.Fatalf("journaled write over another writer's change: %v", err)
		}
		if got := statetest.Read(t, m); got.Models["churn"].Versions[0].Reasons[0] != "other run" {
			t.Fatalf("the other run's change was lost: %q", got.Models["churn"].Versions[0].Reasons)
		}
	})
}

// journaledDir returns a file:// state directory holding a base document
// and a journal of n changes, and the state after each serial.
func journaledDir(t *testing.T, n int) (string, map[uint64]*state.State) {
	t.Helper()
	m, dir := fileManager(t)
	jw, s := startJournal(t, m)
	at := map[uint64]*state.State{s.Serial: statetest.Read(t, m)}
	for i := range n {
		journalChange(t, jw, s, fmt.Sprint("change ", i))
		at[s.Serial] = statetest.Read(t, m)
	}
	return dir, at
}

// TestJournalDamage: what a reader makes of a journal cut short, damaged
// or left over from an older document.
func TestJournalDamage(t *testing.T) {
	tests := []struct {
		name string
		edit func(journal []byte, dir string) []byte
		// serial the reader must see (relative to the base: 1 + changes);
		// 0 means the read must fail as corrupt.
		serial uint64
		// salvaged is, for a corrupt journal, the serial of what state pull
		// -salvage recovers: the changes before the damage.
		salvaged uint64
	}{
		{"intact", func(j []byte, _ string) []byte { return j }, 4, 0},
		{"last line cut short (crash mid-append)", func(j []byte, _ string) []byte { return j[:len(j)-10] }, 3, 0},
		{"last line without its newline", func(j []byte, _ string) []byte { return j[:len(j)-1] }, 3, 0},
		{"only half a header", func(j []byte, _ string) []byte { return j[:20] }, 1, 0},
		{"a middle line damaged", func(j []byte, _ string) []byte {
			lines := bytes.SplitAfter(j, []byte("\n"))
			lines[2] = bytes.Replace(lines[2], []byte("change"), []byte("chXnge"), 1)
			return bytes.Join(lines, nil)
		}, 0, 2},
		{"the first change damaged", func(j []byte, _ string) []byte {
			lines := bytes.SplitAfter(j, []byte("\n"))
			lines[1] = bytes.Replace(lines[1], []byte("change"), []byte("chXnge"), 1)
			return bytes.Join(lines, nil)
		}, 0, 1},
		{"a line replayed twice", func(j []byte, _ string) []byte {
			lines := bytes.SplitAfter(j, []byte("\n"))
			return bytes.Join(append(lines[:3:3], lines[2:]...), nil)
		}, 0, 3},
		{"journal of another document (stale)", func(j []byte, dir string) []byte {
			// The document was rewritten whole since: the journal's base
			// checksum no longer matches.
			m, _ := statemgr.OpenManager(context.Background(), dir, "")
			s := statetest.Read(t, m)
			s.Models["churn"].Versions[0].Reasons = []string{"rewritten whole"}
			if err := m.Write(context.Background(), s); err != nil {
				t.Fatal(err)
			}
			return j
		}, 5, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, at := journaledDir(t, 3)
			jpath := filepath.Join(dir, statemgr.ObjectJournal)
			j, err := os.ReadFile(jpath)
			if err != nil {
				t.Fatal(err)
			}
			edited := tt.edit(j, dir)
			if err := os.WriteFile(jpath, edited, 0o600); err != nil {
				t.Fatal(err)
			}
			m, _ := statemgr.OpenManager(context.Background(), dir, "")
			got, err := m.Read(context.Background())
			salvaged, salvageErr := m.ReadSalvaged(context.Background())
			if tt.serial == 0 {
				var se *statemgr.StateError
				if !errors.As(err, &se) || !strings.Contains(err.Error(), "journal") {
					t.Fatalf("read of a damaged journal: %v, want a StateError naming the journal", err)
				}
				if se.Salvage == nil || se.Salvage.Serial != tt.salvaged || !strings.Contains(err.Error(), "state pull -salvage") {
					t.Fatalf("damaged journal: salvage %+v, want serial %d, and the error to name state pull -salvage:\n%v", se.Salvage, tt.salvaged, err)
				}
				if salvageErr != nil {
					t.Fatalf("ReadSalvaged: %v", salvageErr)
				}
				got, err := state.Decode(salvaged)
				if err != nil {
					t.Fatalf("the salvaged document does not decode: %v", err)
				}
				if got.Serial != tt.salvaged {
					t.Fatalf("salvaged serial %d, want %d", got.Serial, tt.salvaged)
				}
				sameRecord(t, tt.name+" (salvaged)", got, at[tt.salvaged])
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if salvageErr == nil || !strings.Contains(salvageErr.Error(), "nothing to salvage") {
				t.Fatalf("ReadSalvaged of an intact state: %v, want nothing to salvage", salvageErr)
			}
			if got.Serial != tt.serial {
				t.Fatalf("serial %d, want %d", got.Serial, tt.serial)
			}
			if want, ok := at[tt.serial]; ok {
				sameRecord(t, tt.name, got, want)
			}
		})
	}
}

// TestJournalForcedPushKeepsIt: replacing a state whose journal is damaged
// keeps a copy of the journal next to the damaged document's.
func TestJournalForcedPushKeepsIt(t *testing.T) {
	dir, _ := journaledDir(t, 2)
	jpath := filepath.Join(dir, statemgr.ObjectJournal)
	j, _ := os.ReadFile(jpath)
	lines := bytes.SplitAfter(j, []byte("\n"))
	lines[1] = bytes.Replace(lines[1], []byte("change"), []byte("chXnge"), 1)
	os.WriteFile(jpath, bytes.Join(lines, nil), 0o600)
	ctx := context.Background()
	m, _ := statemgr.OpenManager(ctx, dir, "")
	doc, err := state.Encode(statetest.Sample())
	if err != nil {
		t.Fatal(err)
	}
	res, err := m.Push(ctx, doc, true)
	if err != nil {
		t.Fatal(err)
	}
	kept, err := os.ReadFile(filepath.Join(dir, res.DamagedObject+".journal"))
	if err != nil || !bytes.Equal(kept, bytes.Join(lines, nil)) {
		t.Fatalf("damaged journal not kept: %v", err)
	}
	if _, err := m.Read(ctx); err != nil {
		t.Fatalf("after the forced push: %v", err)
	}
}

// TestJournalPushKeepsItInBackup: pushing a document over a state whose
// journal holds changes (an apply killed midway) keeps the state it
// replaces, journal included, as the backup: `state pull -backup` then
// brings back every recorded version, so gc never frees its data.
func TestJournalPushKeepsItInBackup(t *testing.T) {
	for _, force := range []bool{false, true} {
		t.Run(fmt.Sprintf("force=%v", force), func(t *testing.T) {
			eachJournal(t, func(t *testing.T, m *statemgr.Manager, jw *statemgr.JournalWriter, s *state.State) {
				ctx := context.Background()
				older, err := state.Encode(cloneState(t, s))
				if err != nil {
					t.Fatal(err)
				}
				journalChange(t, jw, s, "journaled only")
				replaced := statetest.Read(t, m)
				pushed, err := state.Decode(older)
				if err != nil {
					t.Fatal(err)
				}
				if !force {
					// A hand-edited document the user numbered above it.
					pushed.Serial = replaced.Serial + 1
					pushed.Checksum = ""
				}
				doc, err := state.Encode(pushed)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := m.Push(ctx, doc, force); err != nil {
					t.Fatal(err)
				}
				sameRecord(t, "the backup after the push", statetest.ReadBackup(t, m), replaced)
			})
		})
	}
}

// TestJournalFoldKeepsItInBackup: a command that writes the document
// whole over a journal another run left (state rm after an apply killed
// midway) keeps the state in effect before it, journal included, as the
// backup: restoring the backup undoes that command and nothing more.
func TestJournalFoldKeepsItInBackup(t *testing.T) {
	eachJournal(t, func(t *testing.T, m *statemgr.Manager, jw *statemgr.JournalWriter, s *state.State) {
		ctx := context.Background()
		journalChange(t, jw, s, "journaled only")
		replaced := statetest.Read(t, m)
		// The apply is killed here: its journal is never folded.
		if _, err := m.Update(ctx, func(s *state.State) error {
			s.Models["churn"].Versions[0].Reasons = []string{"changed by hand"}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		sameRecord(t, "the backup after the write", statetest.ReadBackup(t, m), replaced)
	})
}

// TestJournalRefusesInvalidChange: a journaled write validates what it
// changed like Write validates the document, and writes nothing when it is
// invalid.
func TestJournalRefusesInvalidChange(t *testing.T) {
	eachJournal(t, func(t *testing.T, m *statemgr.Manager, jw *statemgr.JournalWriter, s *state.State) {
		ctx := context.Background()
		before := s.Serial
		s.Models["churn"].Aliases["production"].Version = 99
		err := jw.Write(ctx, s)
		if err == nil || !strings.Contains(err.Error(), "model.churn@production") {
			t.Fatalf("invalid change journaled: %v", err)
		}
		if got := statetest.Read(t, m); got.Serial != before || got.Models["churn"].Aliases["production"].Version == 99 {
			t.Fatalf("the invalid change reached the backend: serial %d", got.Serial)
		}
		// Fixed, it is recorded.
		s.Models["churn"].Aliases["production"].Version = 1
		journalChange(t, jw, s, "fixed")
		sameRecord(t, "after the fix", statetest.Read(t, m), s)
	})
}
