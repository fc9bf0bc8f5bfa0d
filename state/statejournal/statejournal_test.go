package statejournal

import (
	"bytes"
	"testing"

	"github.com/mlform/mlform/state"
	"github.com/mlform/mlform/state/statesample"
)

// base returns a small stored state document (two models, a dataset, a
// policy) and the state it decodes as.
func base(t testing.TB) ([]byte, *state.State) {
	s := statesample.Small()
	doc, err := state.Encode(s)
	if err != nil {
		t.Fatal(err)
	}
	s, err = state.Decode(doc)
	if err != nil {
		t.Fatal(err)
	}
	return doc, s
}

// journal returns a journal of base as apply writes it: the header, a
// change of model a, then one deleting a dataset, a model and a policy.
func journal(t testing.TB, s *state.State) []byte {
	var out []byte
	add := func(v any) {
		line, err := Line(v)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, line...)
	}
	add(Header{Kind: Kind, Format: Format, Lineage: s.Lineage, BaseSerial: s.Serial, BaseChecksum: s.Checksum})
	a := *s.Models["a"]
	a.NextVersion = 7
	e := &Entry{Serial: s.Serial + 1, MLFormVersion: "0.1.0"}
	if err := e.SetEntry("models", "a", &a); err != nil {
		t.Fatal(err)
	}
	add(e)
	add(&Entry{Serial: s.Serial + 2, Delete: map[string][]string{"datasets": {"d"}, "models": {"b"}, "policies": {"p"}}})
	return out
}

func TestReplay(t *testing.T) {
	doc, s := base(t)
	j := journal(t, s)
	got, n, err := Replay(doc, s, j)
	if err != nil || n != 2 {
		t.Fatalf("Replay: %d changes, %v; want 2", n, err)
	}
	after, err := state.Decode(got)
	if err != nil {
		t.Fatal(err)
	}
	if after.Serial != s.Serial+2 || after.Models["a"].NextVersion != 7 || after.Models["b"] != nil || after.Datasets["d"] != nil || len(after.Policies) != 0 || after.MLFormVersion != "0.1.0" {
		t.Fatalf("replayed state: %+v", after)
	}
	// A torn last line is a change never reported recorded: ignored.
	if _, n, err := Replay(doc, s, j[:len(j)-7]); err != nil || n != 1 {
		t.Fatalf("torn last line: %d changes, %v; want 1", n, err)
	}
	// Damage before the last line is an error; Salvage keeps the changes
	// before it.
	lines := bytes.SplitAfter(j, []byte("\n"))
	lines[1] = bytes.Replace(lines[1], []byte(`"a"`), []byte(`"x"`), 1)
	damaged := bytes.Join(lines, nil)
	if _, _, err := Replay(doc, s, damaged); err == nil {
		t.Fatal("a damaged line replayed")
	}
	if _, n := Salvage(doc, s, damaged); n != 0 {
		t.Fatalf("Salvage of a journal damaged at its first change kept %d changes", n)
	}
}

// FuzzReplayJournal replays arbitrary journals on a real document. The
// journal is untrusted input: whatever replay accepts must decode as a
// valid state (the result goes through the same checks as any document),
// and nothing may panic.
//
// Every line carries the BLAKE3 of its body, which no mutant matches:
// with resign the target first writes each line's right sum, so the
// fuzzer reaches the header and the changes, not only the checksum.
func FuzzReplayJournal(f *testing.F) {
	doc, s := base(f)
	j := journal(f, s)
	f.Add(j, false)
	f.Add(j[:len(j)-7], false)
	f.Add([]byte("x\n"), false)
	f.Add(j, true)
	f.Fuzz(func(t *testing.T, j []byte, resign bool) {
		if resign {
			j = resignLines(j)
		}
		if got, n := Salvage(doc, s, j); n == 0 && string(got) != string(doc) {
			t.Fatal("Salvage kept no change, but the document changed")
		}
		got, n, err := Replay(doc, s, j)
		if err != nil {
			return
		}
		if n == 0 {
			if string(got) != string(doc) {
				t.Fatal("no change replayed, but the document changed")
			}
			return
		}
		if _, err := state.Decode(got); err != nil {
			t.Fatalf("replay produced a document Decode refuses: %v", err)
		}
	})
}

// resignLines returns journal with the checksum of every line that has
// the room for one replaced by its body's right sum.
func resignLines(journal []byte) []byte {
	var out []byte
	for _, line := range bytes.SplitAfter(journal, []byte("\n")) {
		if len(line) > SumLen+1 && line[SumLen] == ' ' {
			body := bytes.TrimSuffix(line[SumLen+1:], []byte("\n"))
			line = append([]byte(Sum(body)), line[SumLen:]...)
		}
		out = append(out, line...)
	}
	return out
}
