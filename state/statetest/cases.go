package statetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlform/mlform/state"
	"github.com/mlform/mlform/state/statemgr"
)

// Read reads m's state, failing t when it cannot: a test's view of the
// state as the next command would find it.
func Read(t testing.TB, m *statemgr.Manager) *state.State {
	t.Helper()
	s, err := m.Read(context.Background())
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return s
}

// ReadDocument reads and decodes the state document (state.json) in dir,
// a file backend's directory, as it stands on disk: what is left when no
// journal is in the way. Failing to read or decode it fails t.
func ReadDocument(t testing.TB, dir string) *state.State {
	t.Helper()
	doc, err := os.ReadFile(filepath.Join(dir, statemgr.ObjectState))
	if err != nil {
		t.Fatal(err)
	}
	s, err := state.Decode(doc)
	if err != nil {
		t.Fatalf("decode %s: %v", statemgr.ObjectState, err)
	}
	return s
}

// ReadBackup reads and decodes m's backup (the document before the last
// whole write), failing t when there is none or it does not decode.
func ReadBackup(t testing.TB, m *statemgr.Manager) *state.State {
	t.Helper()
	raw, err := m.ReadBackupRaw(context.Background())
	if err != nil {
		t.Fatalf("ReadBackupRaw: %v", err)
	}
	s, err := state.Decode(raw)
	if err != nil {
		t.Fatalf("decode the backup: %v", err)
	}
	return s
}

func write(t *testing.T, m *statemgr.Manager, s *state.State) {
	t.Helper()
	if err := m.Write(context.Background(), s); err != nil {
		t.Fatalf("Write: %v", err)
	}
}

// seed stores Sample (serial 1) and a second change (serial 2), so the
// backend holds a state and a backup.
func seed(t *testing.T, b Backend) *state.State {
	t.Helper()
	m := b.Open(t)
	s := Read(t, m)
	*s = *withLineage(Sample(), s.Lineage)
	write(t, m, s)
	s.Models["churn"].Aliases["production"].Version = 1
	write(t, m, s)
	if s.Serial != 2 {
		t.Fatalf("after two changes serial = %d, want 2", s.Serial)
	}
	return s
}

func withLineage(s *state.State, lineage string) *state.State {
	s.Lineage = lineage
	return s
}

func testReadEmpty(t *testing.T, b Backend) {
	m := b.Open(t)
	s := Read(t, m)
	if s.Serial != 0 || s.FormatVersion != state.FormatVersion || len(s.Lineage) != 36 {
		t.Errorf("fresh state: serial %d format %d lineage %q", s.Serial, s.FormatVersion, s.Lineage)
	}
	if s.Datasets == nil || s.Models == nil || s.Policies == nil {
		t.Error("fresh state has nil maps")
	}
	if other := Read(t, b.Open(t)); other.Lineage == s.Lineage {
		t.Error("two reads of an empty backend gave the same lineage: lineages must be fresh")
	}
	if _, err := m.ReadRaw(context.Background()); !errors.Is(err, statemgr.ErrNoState) {
		t.Errorf("ReadRaw on empty backend: %v, want ErrNoState", err)
	}
	if b.Get(t, statemgr.ObjectState) != nil {
		t.Error("Read created a state object")
	}
}

func testWriteRead(t *testing.T, b Backend) {
	s := seed(t, b)
	got := Read(t, b.Open(t))
	want, _ := state.Encode(s)
	have, _ := state.Encode(got)
	if !bytes.Equal(want, have) {
		t.Errorf("state read back differs from state written:\n%s\nvs\n%s", have, want)
	}
	raw, err := b.Open(t).ReadRaw(context.Background())
	if err != nil || !bytes.Equal(raw, b.Get(t, statemgr.ObjectState)) {
		t.Errorf("ReadRaw did not return the stored bytes (err %v)", err)
	}
}

func testSerialOnlyOnChange(t *testing.T, b Backend) {
	s := seed(t, b)
	before := b.Get(t, statemgr.ObjectState)
	backup := b.Get(t, statemgr.ObjectBackup)
	m := b.Open(t)
	again := Read(t, m)
	write(t, m, again)
	if again.Serial != s.Serial {
		t.Errorf("unchanged write moved serial %d -> %d", s.Serial, again.Serial)
	}
	if !bytes.Equal(before, b.Get(t, statemgr.ObjectState)) || !bytes.Equal(backup, b.Get(t, statemgr.ObjectBackup)) {
		t.Error("unchanged write rewrote the state or its backup")
	}
	again.Models["churn"].Versions[0].Metrics["f1"] = 0.5
	write(t, m, again)
	if again.Serial != s.Serial+1 {
		t.Errorf("changed write: serial %d, want %d", again.Serial, s.Serial+1)
	}
}

func testBackupKeepsPrevious(t *testing.T, b Backend) {
	seed(t, b)
	m := b.Open(t)
	prev := b.Get(t, statemgr.ObjectState)
	s := Read(t, m)
	delete(s.Datasets, "churn")
	write(t, m, s)
	if got := b.Get(t, statemgr.ObjectBackup); !bytes.Equal(got, prev) {
		t.Fatal("backup is not the previous document byte for byte")
	}
	raw, err := m.ReadBackupRaw(context.Background())
	if err != nil {
		t.Fatalf("ReadBackupRaw: %v", err)
	}
	bs, err := state.Decode(raw)
	if err != nil || bs.Serial != s.Serial-1 || bs.Datasets["churn"] == nil {
		t.Errorf("backup: err %v, want serial %d with dataset churn", err, s.Serial-1)
	}
}

func testStaleWriteRefused(t *testing.T, b Backend) {
	seed(t, b)
	m1, m2 := b.Open(t), b.Open(t)
	s1, s2 := Read(t, m1), Read(t, m2)
	s1.Datasets["churn"].Snapshots = s1.Datasets["churn"].Snapshots[:1]
	write(t, m1, s1)
	s2.Policies["churn"].LastTrain = nil
	err := m2.Write(context.Background(), s2)
	if err == nil || !strings.Contains(err.Error(), "changed since it was read") {
		t.Fatalf("write over a newer serial: %v, want refusal", err)
	}
	if got := Read(t, b.Open(t)); got.Serial != s1.Serial || len(got.Datasets["churn"].Snapshots) != 1 {
		t.Error("refused write changed the stored state")
	}

	// The writer that succeeded is refused too once someone else wrote
	// after it: what it remembers of its own write must not hide that.
	s3 := Read(t, m2)
	s3.Policies["churn"].LastTrain = nil
	write(t, m2, s3)
	s1.Datasets["churn"].Snapshots = nil
	if err := m1.Write(context.Background(), s1); err == nil || !strings.Contains(err.Error(), "changed since it was read") {
		t.Fatalf("second write over a newer serial: %v, want refusal", err)
	}
}

func testLineageMismatchRefused(t *testing.T, b Backend) {
	s := seed(t, b)
	other := Sample()
	other.Serial = s.Serial
	err := b.Open(t).Write(context.Background(), other)
	if err == nil || !strings.Contains(err.Error(), "lineage") {
		t.Fatalf("write of another lineage: %v, want refusal naming the lineage", err)
	}
}

// damage returns ways a stored document goes bad, each with what the
// error must say.
func damage(doc []byte) []struct {
	name, want string
	data       []byte
} {
	flipped := bytes.Clone(doc)
	i := bytes.Index(flipped, []byte(`"accuracy"`))
	flipped[i+len(`"accuracy": 0.`)] ^= 1
	future := bytes.Replace(doc, []byte(`"format_version": 1`), []byte(fmt.Sprintf(`"format_version": %d`, state.FormatVersion+1)), 1)
	return []struct {
		name, want string
		data       []byte
	}{
		{"corrupt", "checksum mismatch", flipped},
		{"truncated", "truncated", doc[:len(doc)/2]},
		{"empty", "truncated", nil},
		{"future", fmt.Sprintf("newer mlform (format %d > %d); upgrade mlform", state.FormatVersion+1, state.FormatVersion), future},
	}
}

func testDamagedStateRefused(t *testing.T, b Backend) {
	seed(t, b)
	good := b.Get(t, statemgr.ObjectState)
	backup := b.Get(t, statemgr.ObjectBackup)
	for _, d := range damage(good) {
		t.Run(d.name, func(t *testing.T) {
			b.Put(t, statemgr.ObjectState, d.data)
			m := b.Open(t)
			_, err := m.Read(context.Background())
			var se *statemgr.StateError
			if !errors.As(err, &se) || !strings.Contains(err.Error(), d.want) {
				t.Fatalf("Read: %v, want a StateError saying %q", err, d.want)
			}
			msg := err.Error()
			if d.name != "future" && (!strings.Contains(msg, m.BackupLocation()) || !strings.Contains(msg, "mlform state push -force")) {
				t.Errorf("error does not say how to recover from the backup:\n%s", msg)
			}
			s := Sample()
			if err := m.Write(context.Background(), s); err == nil {
				t.Error("Write replaced a damaged state")
			}
			if _, err := m.Push(context.Background(), mustEncode(t, s), false); err == nil {
				t.Error("Push without force replaced a damaged state")
			}
			if !bytes.Equal(b.Get(t, statemgr.ObjectBackup), backup) {
				t.Error("backup changed")
			}
			if !bytes.Equal(b.Get(t, statemgr.ObjectState), d.data) {
				t.Error("damaged document changed: the evidence is lost")
			}
		})
	}
}

func testForcePushOverDamaged(t *testing.T, b Backend) {
	seed(t, b)
	good := b.Get(t, statemgr.ObjectState)
	backup := b.Get(t, statemgr.ObjectBackup)
	for _, tc := range []struct {
		name string
		bad  []byte
	}{
		{"serial readable", damage(good)[0].data},
		{"serial unreadable", good[:10]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b.Put(t, statemgr.ObjectState, tc.bad)
			b.Put(t, statemgr.ObjectBackup, backup)
			m := b.Open(t)
			res, err := m.Push(context.Background(), backup, true)
			if err != nil {
				t.Fatalf("Push -force of the backup: %v", err)
			}
			// The damaged document had serial 2; the restored one (serial
			// 1) must come back above it so plans saved against serial 2
			// do not match.
			if res.Serial != 3 {
				t.Errorf("restored serial %d, want 3", res.Serial)
			}
			if res.DamagedObject == "" || !strings.Contains(res.DamagedCopy, res.DamagedObject) {
				t.Fatalf("damaged document was not kept, or its location %q does not name it", res.DamagedCopy)
			}
			if !bytes.Equal(b.Get(t, res.DamagedObject), tc.bad) {
				t.Errorf("damaged copy %s does not hold the damaged bytes", res.DamagedObject)
			}
			if !bytes.Equal(b.Get(t, statemgr.ObjectBackup), backup) {
				t.Error("backup changed: it must stay the last good state")
			}
			s := Read(t, b.Open(t))
			if s.Serial != 3 || s.Models["churn"].Aliases["production"].Version != 2 {
				t.Errorf("restored state: serial %d, production v%d; want the backup's content at serial 3", s.Serial, s.Models["churn"].Aliases["production"].Version)
			}
		})
	}
}

func mustEncode(t *testing.T, s *state.State) []byte {
	t.Helper()
	b, err := state.Encode(s)
	if err != nil {
		t.Fatalf("Encode: %v", err)
	}
	return b
}

func testPushRules(t *testing.T, b Backend) {
	seed(t, b)
	ctx := context.Background()
	m := b.Open(t)
	newer := Read(t, m)
	newer.Serial = 10
	older := Read(t, m)
	older.Serial = 1
	foreign := Sample()
	foreign.Serial = 20
	edited := Read(t, m)
	edited.Policies = map[string]*state.Policy{"edited": {Name: "edited"}}
	for _, tc := range []struct {
		name       string
		doc        *state.State
		force      bool
		wantErr    string
		wantSerial uint64
	}{
		{"equal serial, same content", Read(t, m), false, "", 0},
		{"equal serial, other content", edited, false, "not newer", 0},
		{"older serial", older, false, "not newer", 0},
		{"other lineage", foreign, false, "another workspace", 0},
		{"newer serial", newer, false, "", 10},
		{"older forced", older, true, "", 11},
		{"foreign forced", foreign, true, "", 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := b.Get(t, statemgr.ObjectState)
			res, err := m.Push(ctx, mustEncode(t, tc.doc), tc.force)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Push: %v, want error containing %q", err, tc.wantErr)
				}
				if !bytes.Equal(before, b.Get(t, statemgr.ObjectState)) {
					t.Error("refused push changed the state")
				}
				return
			}
			if err != nil {
				t.Fatalf("Push: %v", err)
			}
			if tc.wantSerial == 0 {
				// Pushing back the stored state itself: a no-op.
				if !res.Unchanged || !bytes.Equal(before, b.Get(t, statemgr.ObjectState)) {
					t.Errorf("push of the stored state: unchanged=%v, state rewritten=%v", res.Unchanged, !bytes.Equal(before, b.Get(t, statemgr.ObjectState)))
				}
				return
			}
			if res.Unchanged {
				t.Error("a push that stored a new document says unchanged")
			}
			if res.Serial != tc.wantSerial {
				t.Errorf("serial %d, want %d", res.Serial, tc.wantSerial)
			}
			if !bytes.Equal(before, b.Get(t, statemgr.ObjectBackup)) {
				t.Error("replaced state is not the backup")
			}
		})
	}
}

func testFirstWrite(t *testing.T, b Backend) {
	m := b.Open(t)
	s := Read(t, m)
	write(t, m, s)
	if s.Serial != 1 || b.Get(t, statemgr.ObjectState) == nil {
		t.Fatalf("first write: serial %d, stored %v; want serial 1 stored", s.Serial, b.Get(t, statemgr.ObjectState) != nil)
	}
	if b.Get(t, statemgr.ObjectBackup) != nil {
		t.Error("first write made a backup of nothing")
	}
	if _, err := m.ReadBackupRaw(context.Background()); err == nil || !strings.Contains(err.Error(), "no backup") {
		t.Errorf("ReadBackupRaw with no backup: %v", err)
	}
}

func testInvalidWriteRefused(t *testing.T, b Backend) {
	seed(t, b)
	before := b.Get(t, statemgr.ObjectState)
	m := b.Open(t)
	s := Read(t, m)
	serial := s.Serial
	s.Models["churn"].Aliases["production"].Version = 99
	err := m.Write(context.Background(), s)
	if err == nil || !strings.Contains(err.Error(), "model.churn@production") {
		t.Fatalf("Write of an invalid state: %v, want refusal naming model.churn@production", err)
	}
	if s.Serial != serial {
		t.Errorf("refused write changed the caller's serial %d -> %d", serial, s.Serial)
	}
	if !bytes.Equal(before, b.Get(t, statemgr.ObjectState)) {
		t.Error("refused write changed the stored state")
	}
	// The caller can fix its state and write again.
	s.Models["churn"].Aliases["production"].Version = 1
	s.Datasets["churn"].Snapshots = s.Datasets["churn"].Snapshots[:1]
	write(t, m, s)
	if s.Serial != serial+1 {
		t.Errorf("write after a refused one: serial %d, want %d", s.Serial, serial+1)
	}
}
