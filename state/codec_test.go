package state_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/mlform/mlform/state"
	"github.com/mlform/mlform/state/statesample"
)

func encode(t testing.TB, s *state.State) []byte {
	t.Helper()
	b, err := state.Encode(s)
	if err != nil {
		t.Fatalf("Encode: %v", err)
	}
	return b
}

func TestEncodeDeterministicAndRoundTrips(t *testing.T) {
	s := statesample.Sample()
	a := encode(t, s)
	b := encode(t, statesample.Sample())
	// Same content, different lineage: only the lineage and checksum lines differ.
	if bytes.Equal(a, b) {
		t.Fatal("different lineages encoded the same")
	}
	s2 := statesample.Sample()
	s2.Lineage = s.Lineage
	if !bytes.Equal(a, encode(t, s2)) {
		t.Fatal("same state encoded differently")
	}
	got, err := state.Decode(a)
	if err != nil {
		t.Fatalf("Decode(Encode(s)): %v", err)
	}
	if again := encode(t, got); !bytes.Equal(a, again) {
		t.Errorf("round trip changed the document:\n%s\nvs\n%s", again, a)
	}
	if got.Checksum == "" || got.Checksum != s.Checksum {
		t.Errorf("checksum %q, want %q", got.Checksum, s.Checksum)
	}
}

func TestEncodeFillsNils(t *testing.T) {
	s := &state.State{FormatVersion: 1, Lineage: "6f1c2a9e-4d7b-4b3e-9a51-0c8d2f7e1a44",
		Models: map[string]*state.Model{"m": {Name: "m"}}}
	doc := encode(t, s)
	for _, want := range []string{`"datasets": {}`, `"policies": {}`, `"versions": []`, `"aliases": {}`, `"next_version": 1`} {
		if !bytes.Contains(doc, []byte(want)) {
			t.Errorf("encoded state lacks %s:\n%s", want, doc)
		}
	}
}

// mutate returns a copy of the canonical document of Sample changed by fn,
// re-signed, so only the content rule under test is broken.
func mutate(t *testing.T, fn func(s *state.State)) []byte {
	t.Helper()
	s := statesample.Sample()
	fn(s)
	// Encode validates, so sign by hand: encode a valid twin, then
	// substitute the content through JSON.
	return resign(t, s)
}

func TestDecodeRefuses(t *testing.T) {
	good := encode(t, statesample.Sample())
	flip := func(i int) []byte { b := bytes.Clone(good); b[i] ^= 0x20; return b }
	for _, tc := range []struct {
		name    string
		doc     []byte
		problem state.Problem
		want    string
	}{
		{"empty", nil, state.ProblemTruncated, "empty"},
		{"whitespace", []byte(" \n"), state.ProblemTruncated, "empty"},
		{"truncated early", good[:10], state.ProblemTruncated, "ends after 10 bytes"},
		{"truncated late", good[:len(good)-3], state.ProblemTruncated, "ends after"},
		{"lost newline", good[:len(good)-1], state.ProblemCorrupt, "checksum mismatch"},
		{"flipped bit", flip(len(good) / 2), state.ProblemCorrupt, ""},
		{"not json", []byte("PK\x03\x04 zip"), state.ProblemCorrupt, "not valid JSON"},
		{"array", []byte("[1]"), state.ProblemCorrupt, "not a JSON object"},
		{"trailing data", append(bytes.Clone(good), "{}"...), state.ProblemCorrupt, "after the JSON"},
		{"no format", []byte(`{"lineage":"x"}`), state.ProblemCorrupt, "format_version is missing"},
		{"format zero", []byte(`{"format_version":0}`), state.ProblemCorrupt, "not a valid format"},
		{"format string", []byte(`{"format_version":"1"}`), state.ProblemCorrupt, "format_version"},
		{"future", bytes.Replace(good, []byte(`"format_version": 1`), []byte(fmt.Sprintf(`"format_version": %d`, state.FormatVersion+1)), 1), state.ProblemFuture, fmt.Sprintf("state was written by a newer mlform (format %d > %d); upgrade mlform", state.FormatVersion+1, state.FormatVersion)},
		{"reformatted", compact(t, good), state.ProblemCorrupt, "no checksum member"},
		{"blank checksum", blankChecksum(good), state.ProblemCorrupt, "not a 64-digit hex"},
		{"unknown member", resignRaw(t, bytes.Replace(good, []byte(`"serial"`), []byte(`"extra": 1,
  "serial"`), 1)), state.ProblemInvalid, "unknown field"},
		{"bad lineage", mutate(t, func(s *state.State) { s.Lineage = "not-a-uuid" }), state.ProblemInvalid, "not a UUID"},
		{"bad dataset name", mutate(t, func(s *state.State) {
			s.Datasets["../etc"] = &state.Dataset{Name: "../etc"}
		}), state.ProblemInvalid, `"../etc": not a valid name`},
		{"instance key escaping", mutate(t, func(s *state.State) {
			s.Models[`churn["../x"]`] = &state.Model{Name: `churn["../x"]`, NextVersion: 1, Versions: []*state.Version{}, Aliases: map[string]*state.Alias{}}
		}), state.ProblemInvalid, `"churn[\"../x\"]": not a valid name`},
		{"instance key unquoted", mutate(t, func(s *state.State) {
			s.Datasets["s[eu]"] = &state.Dataset{Name: "s[eu]"}
		}), state.ProblemInvalid, `"s[eu]": not a valid name`},
		{"alias with a key", mutate(t, func(s *state.State) {
			s.Models["churn"].Aliases[`p["x"]`] = &state.Alias{Name: `p["x"]`, Version: 1}
		}), state.ProblemInvalid, "not a valid name"},
		{"name mismatch", mutate(t, func(s *state.State) { s.Datasets["churn"].Name = "other" }), state.ProblemInvalid, "does not match its key"},
		{"null dataset", mutate(t, func(s *state.State) { s.Datasets["x"] = nil }), state.ProblemInvalid, "dataset.x is null"},
		{"null snapshot", mutate(t, func(s *state.State) {
			s.Datasets["churn"].Snapshots = append(s.Datasets["churn"].Snapshots, nil)
		}), state.ProblemInvalid, "snapshot 3 is null"},
		{"path as id", mutate(t, func(s *state.State) { s.Datasets["churn"].Snapshots[0].ID = "../../etc/passwd" }), state.ProblemInvalid, "not a hex content id"},
		{"uppercase id", mutate(t, func(s *state.State) { s.Models["churn"].Versions[0].ArtifactsID = "ABCDEF0123456789" }), state.ProblemInvalid, "artifacts_id"},
		{"bad store", mutate(t, func(s *state.State) { s.Models["churn"].Versions[0].Store = "a/b" }), state.ProblemInvalid, "not a storage name"},
		{"null version", mutate(t, func(s *state.State) {
			s.Models["churn"].Versions = append(s.Models["churn"].Versions, nil)
		}), state.ProblemInvalid, "version entry 4 is null"},
		{"duplicate version", mutate(t, func(s *state.State) {
			m := s.Models["churn"]
			v := *m.Versions[2]
			m.Versions = append(m.Versions, &v)
		}), state.ProblemInvalid, "model.churn@3 is recorded twice"},
		{"version zero", mutate(t, func(s *state.State) { s.Models["churn"].Versions[0].Version = 0 }), state.ProblemInvalid, "versions start at 1"},
		{"next version reused", mutate(t, func(s *state.State) { s.Models["churn"].NextVersion = 3 }), state.ProblemInvalid, "next_version 3 must be greater"},
		{"unknown status", mutate(t, func(s *state.State) { s.Models["churn"].Versions[1].Status = "great" }), state.ProblemInvalid, `unknown status "great"`},
		{"dangling alias", mutate(t, func(s *state.State) { s.Models["churn"].Aliases["production"].Version = 9 }), state.ProblemInvalid, "not recorded"},
		{"null alias", mutate(t, func(s *state.State) { s.Models["churn"].Aliases["staging"] = nil }), state.ProblemInvalid, "staging is null"},
		{"null history", mutate(t, func(s *state.State) {
			a := s.Models["churn"].Aliases["production"]
			a.History = append(a.History, nil)
		}), state.ProblemInvalid, "history entry 3 is null"},
		{"null evaluation", mutate(t, func(s *state.State) {
			s.Models["churn"].Evaluations = append(s.Models["churn"].Evaluations, nil)
		}), state.ProblemInvalid, "evaluation 2 is null"},
		{"bad input snapshot", mutate(t, func(s *state.State) { s.Models["churn"].Versions[0].Inputs.Snapshots["churn"] = "/abs" }), state.ProblemInvalid, "not a hex content id"},
		{"null policy", mutate(t, func(s *state.State) { s.Policies["p"] = nil }), state.ProblemInvalid, "policy.p is null"},
		{"null publication", mutate(t, func(s *state.State) {
			s.Publications = map[string]*state.Publication{"pub": nil}
		}), state.ProblemInvalid, "publications.pub is null"},
		{"bad removed model", mutate(t, func(s *state.State) { s.RemovedModels = map[string]int{"x": 0} }), state.ProblemInvalid, "removed_models.x"},
		// Its checksum matches its bytes, but encoding/json would read
		// the string as U+FFFD and the next write would store other bytes.
		{"invalid utf-8", resignRaw(t, bytes.Replace(good, []byte(`"beats v1 on accuracy"`), []byte("\"beats v1 \xff on accuracy\""), 1)), state.ProblemCorrupt, "not valid UTF-8 at byte"},
		{"truncated in a rune", truncatedInRune(t, good), state.ProblemTruncated, "ends after"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := state.Decode(tc.doc)
			var de *state.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("Decode = %v, %v; want a DecodeError", s, err)
			}
			if de.Problem != tc.problem || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Decode error %q (%s), want %s containing %q", err, de.Problem, tc.problem, tc.want)
			}
		})
	}
}

// truncatedInRune is good with a string holding "é" cut after its first
// byte: truncation, not invalid UTF-8, is what happened.
func truncatedInRune(t *testing.T, good []byte) []byte {
	t.Helper()
	doc := resignRaw(t, bytes.Replace(good, []byte(`"beats v1 on accuracy"`), []byte(`"beats v1 on précision"`), 1))
	return doc[:bytes.Index(doc, []byte("é"))+1]
}

func TestDecodeUnsigned(t *testing.T) {
	good := encode(t, statesample.Sample())
	for _, tc := range []struct {
		name string
		doc  []byte
		ok   bool
	}{
		{"signed", good, true},
		{"blank checksum", blankChecksum(good), true},
		{"compact without checksum layout", compact(t, good), true},
		{"byte order mark, CRLF", append([]byte("\xef\xbb\xbf"), bytes.ReplaceAll(blankChecksum(good), []byte("\n"), []byte("\r\n"))...), true},
		{"wrong checksum", bytes.Replace(good, []byte(`"serial": 0`), []byte(`"serial": 5`), 1), false},
		{"invalid utf-8", blankChecksum(bytes.Replace(good, []byte(`"beats v1 on accuracy"`), []byte("\"beats v1 \xfe\xff on accuracy\""), 1)), false},
		{"invalid content", blankChecksum(bytes.Replace(good, []byte(`"name": "churn"`), []byte(`"name": "x y"`), 1)), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := state.DecodeUnsigned(tc.doc)
			if (err == nil) != tc.ok {
				t.Errorf("DecodeUnsigned: %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func TestEncodeRefusesInvalid(t *testing.T) {
	s := statesample.Sample()
	s.Models["churn"].Aliases["production"].Version = 42
	if _, err := state.Encode(s); err == nil || !strings.Contains(err.Error(), "model.churn@production") {
		t.Errorf("Encode of a dangling alias: %v", err)
	}
	s = statesample.Sample()
	s.Models["churn"].Versions[1].Inputs.Params["grid"] = []any{1.0, math.Inf(1)}
	if _, err := state.Encode(s); err == nil || !strings.Contains(err.Error(), "model.churn@2: inputs: params.grid[1]: not a finite number") {
		t.Errorf("Encode of an infinite param: %v", err)
	}
	s.Models["churn"].Versions[1].Inputs.Params["grid"] = map[string]any{"f": func() {}}
	if _, err := state.Encode(s); err == nil || !strings.Contains(err.Error(), "params.grid.f: a func() is not a JSON value") {
		t.Errorf("Encode of a func param: %v", err)
	}
	if _, err := state.Encode(nil); err == nil {
		t.Error("Encode(nil) succeeded")
	}
}

// Params keep an integer float64 cannot hold (a seed above 2^53) with
// every digit through encode and decode; other numbers decode as float64;
// a number out of float64's range is refused.
func TestDecodeParamsNumbers(t *testing.T) {
	s := statesample.Sample()
	s.Models["churn"].Versions[0].Inputs.Params = map[string]any{
		"seed": json.Number("12345678901234567891"), "lr": 0.05, "layers": []any{json.Number("9007199254740993"), 64.0},
	}
	back, err := state.Decode(encode(t, s))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"seed": json.Number("12345678901234567891"), "lr": 0.05, "layers": []any{json.Number("9007199254740993"), 64.0}}
	if got := back.Models["churn"].Versions[0].Inputs.Params; !reflect.DeepEqual(got, want) {
		t.Fatalf("params decoded as %#v\nwant %#v", got, want)
	}
	good := encode(t, statesample.Sample())
	huge := resignRaw(t, bytes.Replace(good, []byte(`"epochs": 30`), []byte(`"epochs": 1e999`), 1))
	if _, err := state.Decode(huge); err == nil || !strings.Contains(err.Error(), "params.epochs: 1e999 is not a finite number") {
		t.Fatalf("decode of a param out of float64's range: %v", err)
	}
}
