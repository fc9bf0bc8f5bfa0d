package plans

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mlform/mlform/config/lang"
	"github.com/mlform/mlform/internal/relpath"
	"github.com/mlform/mlform/internal/wanterr"
)

func encode(t *testing.T, p *Plan) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := EncodePlan(&b, p); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestPlanFileRoundTrip(t *testing.T) {
	p := samplePlan()
	got, err := DecodePlan(bytes.NewReader(encode(t, p)))
	if err != nil {
		t.Fatal(err)
	}
	// Data maps come back through JSON; compare encodings.
	a, _ := json.Marshal(p)
	b, _ := json.Marshal(got)
	if !bytes.Equal(a, b) {
		t.Errorf("round trip changed the plan:\n%s\n%s", a, b)
	}
	if !reflect.DeepEqual(got.Actions[0].Snapshot.Observation, p.Actions[0].Snapshot.Observation) {
		t.Error("observation lost")
	}
}

// TestWriteFile: a saved plan reads back as written, replaces an older file
// at the path, and leaves no temporary file beside it.
func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tfplan")
	if err := os.WriteFile(path, []byte("an older plan"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := samplePlan()
	if err := WriteFile(path, p); err != nil {
		t.Fatal(err)
	}
	got, err := ReadPlanFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if Digest(got) != Digest(p) {
		t.Error("the saved plan reads back different")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("the directory holds %d files after the save, want only the plan", len(entries))
	}
	if err := WriteFile(filepath.Join(dir, "missing", "tfplan"), p); err == nil || !strings.Contains(err.Error(), "save plan") {
		t.Errorf("saving into a missing directory: %v, want a save plan error", err)
	}
}

// mutate re-encodes a plan after f changed its decoded JSON body, with a
// correct checksum, so validation (not the checksum) must catch it.
func mutate(t *testing.T, f func(p *Plan)) []byte {
	t.Helper()
	p := samplePlan()
	f(p)
	body, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return envelope(body)
}

// envelope wraps body, as is, in a plan file with its right checksum.
// (json.Marshal would compact and escape the raw body, so a body with a
// space or a '<' in it would fail the checksum and never reach the plan
// decoder.)
func envelope(body []byte) []byte {
	head := fmt.Sprintf(`{"kind":%q,"format_version":%d,"checksum":%q,"plan":`, planFileKind, PlanFormatVersion, checksum(body))
	return append(append([]byte(head), body...), '}')
}

func TestDecodePlanRefuses(t *testing.T) {
	good := encode(t, samplePlan())
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "not a plan file"},
		{"state file", []byte(`{"format_version":1,"lineage":"x","serial":1}`), "not a plan file"},
		{"garbage", []byte("\x00\x01hello"), "not a plan file"},
		{"truncated", good[:len(good)/2], "not a plan file"},
		{"edited", bytes.Replace(good, []byte(`"serial":3`), []byte(`"serial":4`), 1), "checksum mismatch"},
		{"future format", bytes.Replace(good, []byte(`"format_version":1,"checksum"`), []byte(`"format_version":9,"checksum"`), 1), "format 9 is not supported"},
		{"escaping path", mutate(t, func(p *Plan) { p.Actions[0].Snapshot.Observation.Files[0].Path = "../../etc/passwd" }), `has a ".." element`},
		{"absolute path", mutate(t, func(p *Plan) { p.Actions[0].Snapshot.Observation.Files[0].Path = "/etc/passwd" }), "is absolute"},
		{"unclean path", mutate(t, func(p *Plan) { p.Actions[0].Snapshot.Observation.Files[0].Path = "a/./b" }), `has a "." element`},
		// The one path rule (internal/relpath) every recorded path meets:
		// a name the observer, manifests and pull refuse is no plan's.
		{"control character in path", mutate(t, func(p *Plan) { p.Actions[0].Snapshot.Observation.Files[0].Path = "a\x1b[2Jb.csv" }), "contains a control character"},
		{"tab in changed path", mutate(t, func(p *Plan) {
			p.Actions[0].Snapshot.Paths = []PathChange{{Path: "a\tb.csv", Change: "added"}}
		}), "contains a control character"},
		{"unsorted files", mutate(t, func(p *Plan) {
			f := p.Actions[0].Snapshot.Observation.Files
			f[0], f[1] = f[1], f[0]
		}), "out of order"},
		{"bad hash", mutate(t, func(p *Plan) { p.Actions[0].Snapshot.Observation.Files[0].Hash = "zz" }), "invalid hash"},
		{"byte total", mutate(t, func(p *Plan) { p.Actions[0].Snapshot.Bytes = 31 }), "observation totals 30 bytes"},
		{"file count", mutate(t, func(p *Plan) { p.Actions[0].Snapshot.Files = 3 }), "lists 2 files"},
		{"unknown kind", mutate(t, func(p *Plan) { p.Actions[1].Kind = "explode" }), "unknown action kind"},
		{"move escaping", mutate(t, func(p *Plan) { p.Moves = []*Move{{From: "model.a", To: `model.a["../x"]`}} }), "invalid address"},
		{"move of an output", mutate(t, func(p *Plan) { p.Moves = []*Move{{From: "output.a", To: "output.b"}} }), "invalid address"},
		{"move of an environment", mutate(t, func(p *Plan) { p.Moves = []*Move{{From: "environment.a", To: "environment.b"}} }), "only datasets, models"},
		{"move across kinds", mutate(t, func(p *Plan) { p.Moves = []*Move{{From: "model.a", To: "dataset.a"}} }), "is not a move"},
		{"move twice", mutate(t, func(p *Plan) { p.Moves = []*Move{{From: "model.a", To: "model.b"}, {From: "model.a", To: "model.c"}} }), "moves twice"},
		{"null move", mutate(t, func(p *Plan) { p.Moves = []*Move{nil} }), "move 0 is empty"},
		{"bad address", mutate(t, func(p *Plan) { p.Actions[1].Addr = "model.a/../b" }), "invalid address"},
		{"no reasons", mutate(t, func(p *Plan) { p.Actions[1].Reasons = nil }), "no reasons"},
		{"dangling dependency", mutate(t, func(p *Plan) { p.Actions[1].DependsOn = []string{"dataset.gone"} }), "has no action in this plan"},
		{"cycle", mutate(t, func(p *Plan) { p.Actions[0].DependsOn = []string{"model.churn"} }), "cycle"},
		{"duplicate", mutate(t, func(p *Plan) { p.Actions = append(p.Actions, p.Actions[1]) }), "appears twice"},
		{"payload mismatch", mutate(t, func(p *Plan) { p.Actions[0].Snapshot.Dataset = "other" }), "snapshot of \"other\""},
		{"bad snapshot id", mutate(t, func(p *Plan) { p.Actions[1].Train.Snapshots["churn"] = "../x" }), "invalid snapshot reference"},
		{"bad lineage", mutate(t, func(p *Plan) { p.Lineage = "not a lineage!" }), "lineage"},
		{"sensitive value saved", mutate(t, func(p *Plan) { p.Variables[1].Value = json.RawMessage(`"leak"`) }), "is sensitive but the plan file carries its value"},
		{"sensitive without hash", mutate(t, func(p *Plan) { p.Variables[1].Hash = "" }), "needs a 16-byte hex salt"},
		{"short salt", mutate(t, func(p *Plan) { p.Variables[1].Salt = "abcd" }), "needs a 16-byte hex salt"},
		{"value without type", mutate(t, func(p *Plan) { p.Variables[0].Type = nil }), "has no type"},
		{"salt on a plain variable", mutate(t, func(p *Plan) { p.Variables[0].Salt = "ab" }), "salt and hash are for sensitive variables"},
		{"bad variable name", mutate(t, func(p *Plan) { p.Variables[0].Name = "a b" }), "not an identifier"},
		{"variable twice", mutate(t, func(p *Plan) { p.Variables = append(p.Variables, p.Variables[0]) }), "appears twice"},
		{"deep value", mutate(t, func(p *Plan) {
			p.Variables[0].Value = json.RawMessage(strings.Repeat("[", 65) + strings.Repeat("]", 65))
		}), "nests deeper than 64 levels"},
		{"deep type", mutate(t, func(p *Plan) {
			p.Variables[0].Type = json.RawMessage(strings.Repeat(`["list",`, 70) + `"string"` + strings.Repeat("]", 70))
		}), "nests deeper than 64 levels"},
		{"unknown field", envelope([]byte(`{"format_version":1,"lineage":"","serial":0,"config_digest":"","refreshed":true,"actions":[],"surprise":1}`)), "unknown field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodePlan(bytes.NewReader(tt.data))
			wanterr.Check(t, err, tt.want)
		})
	}
}

// FuzzDecodePlan feeds arbitrary bytes to DecodePlan: what it accepts must
// validate and re-encode.
//
// Its seeds are small: the fuzzer minimizes every input that finds new
// coverage at a cost quadratic in the input's length, and mutants of the
// signed sample plan kept the workers minimizing instead of fuzzing. The
// sample plan gets the same check in TestDecodeSamplePlan.
func FuzzDecodePlan(f *testing.F) {
	f.Add(envelope([]byte(`{"format_version":1,"actions":[]}`)))
	f.Add([]byte(`{"kind":"mlform-plan","format_version":1,"checksum":"","plan":{}}`))
	f.Add([]byte(`{}`))
	f.Fuzz(checkDecodePlan)
}

// TestDecodeSamplePlan runs FuzzDecodePlan's check on the sample plan's
// file, which must decode.
func TestDecodeSamplePlan(t *testing.T) {
	var b bytes.Buffer
	if err := EncodePlan(&b, samplePlan()); err != nil {
		t.Fatal(err)
	}
	if _, err := DecodePlan(bytes.NewReader(b.Bytes())); err != nil {
		t.Fatalf("the sample plan does not decode: %v", err)
	}
	checkDecodePlan(t, b.Bytes())
}

// checkDecodePlan is FuzzDecodePlan's check of one plan file.
func checkDecodePlan(t *testing.T, data []byte) {
	p, err := DecodePlan(bytes.NewReader(data))
	if err != nil {
		return
	}
	// Anything accepted must be valid and re-encodable.
	if err := ValidatePlan(p); err != nil {
		t.Fatalf("decoded plan fails validation: %v", err)
	}
	var out bytes.Buffer
	if err := EncodePlan(&out, p); err != nil {
		t.Fatalf("decoded plan does not re-encode: %v", err)
	}
	again, err := DecodePlan(bytes.NewReader(out.Bytes()))
	if err != nil {
		t.Fatalf("re-encoded plan does not decode: %v\n%s", err, out.Bytes())
	}
	var out2 bytes.Buffer
	if err := EncodePlan(&out2, again); err != nil || !bytes.Equal(out.Bytes(), out2.Bytes()) {
		t.Fatalf("plan encoding is not stable (%v):\n%s\n%s", err, out.Bytes(), out2.Bytes())
	}
}

// FuzzDecodePlanBody fuzzes the plan body behind a valid envelope, so the
// fuzzer reaches validation instead of stopping at the checksum.
func FuzzDecodePlanBody(f *testing.F) {
	body, _ := json.Marshal(samplePlan())
	f.Add(body)
	f.Add([]byte(`{"format_version":1,"actions":[{"addr":"dataset.a","kind":"snapshot","reasons":[{"code":"new"}],"snapshot":{"dataset":"a","store":"default","new_id":"aaaaaaaa","files":1,"bytes":1,"observation":{"files":[{"path":"x","size":1,"hash":"bbbbbbbb"}]}}}]}`))
	f.Add([]byte(`{"format_version":1,"actions":[{"addr":"model.m@2","kind":"forget","reasons":[{"code":"not_among_last"}],"forget":{"model":"m","version":2}},{"addr":"dataset.d@aaaaaaaa","kind":"forget","reasons":[{"code":"unused"}],"depends_on":["model.m@2"],"forget":{"dataset":"d","snapshot":"aaaaaaaa"}}]}`))
	f.Add([]byte(`{"format_version":1,"actions":[],"variables":[{"name":"a","type":["list","number"],"value":[1,2]},{"name":"s","sensitive":true,"salt":"00112233445566778899aabbccddeeff","hash":"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := DecodePlan(bytes.NewReader(envelope(body)))
		if err != nil {
			return
		}
		checkDecodePlan(t, envelope(body))
		for _, v := range p.Variables {
			if v.Sensitive && (len(v.Value) > 0 || len(v.Type) > 0) {
				t.Fatalf("accepted a sensitive variable with a value: %+v", v)
			}
			if dv, _ := lang.JSONDepth(v.Value, maxVariableDepth); dv > maxVariableDepth {
				t.Fatalf("accepted a variable nested too deep: %s", v.Name)
			}
			if dt, _ := lang.JSONDepth(v.Type, maxVariableDepth); dt > maxVariableDepth {
				t.Fatalf("accepted a variable nested too deep: %s", v.Name)
			}
		}
		for _, a := range p.Actions {
			if fc := a.Forget; fc != nil && ((fc.Dataset != "" && !isHex(fc.Snapshot)) || (fc.Dataset == "" && fc.Version < 1)) {
				t.Fatalf("accepted a forget of nothing: %+v", fc)
			}
			if a.Snapshot != nil && a.Snapshot.Observation != nil {
				for _, f := range a.Snapshot.Observation.Files {
					if relpath.Check(f.Path) != nil {
						t.Fatalf("accepted unsafe path %q", f.Path)
					}
				}
			}
		}
	})
}

const (
	testIDA = "19bc7d3e5a6f4b2c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e"
	testIDB = "77aa00112233445566778899aabbccddeeff00112233445566778899aabbccdd"
	testLin = "5b0f8a1e-3c2d-4e5f-8a9b-0c1d2e3f4a5b"
)

func samplePlan() *Plan {
	return &Plan{
		FormatVersion: PlanFormatVersion,
		CreatedAt:     time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC),
		Lineage:       testLin,
		Serial:        3,
		ConfigDigest:  "aabbccddeeff0011",
		Refreshed:     true,
		Moves:         []*Move{{From: "model.old", To: `model.fleet["eu"]`}},
		Actions: []*Action{
			{
				Addr: "dataset.churn", Kind: KindSnapshot,
				Reasons: []Reason{{Code: ReasonDataChanged, Message: "data changed"}},
				Snapshot: &SnapshotChange{Dataset: "churn", Source: "data", Store: "default", OldID: testIDA, NewID: testIDB,
					Files: 2, Bytes: 30, DiffKnown: true, Changed: 1,
					Observation: &Observation{Files: []ObservedFile{
						{Path: "a.csv", Size: 10, Hash: testIDA},
						{Path: "sub/b.csv", Size: 20, Hash: testIDB, Mode: 0o755},
					}, Profile: []byte(`{"columns":[]}`)}},
			},
			{
				Addr: "model.churn", Kind: KindTrain, DependsOn: []string{"dataset.churn"},
				Reasons: []Reason{{Code: ReasonDataChanged, Message: "data changed", Data: map[string]any{"dataset": "churn"}}},
				Train:   &TrainChange{Model: "churn", Version: 2, Snapshots: map[string]string{"churn": testIDB}},
			},
		},
		Notes: []*Note{{Addr: "model.other", Message: "deferred"}},
		Variables: []*Variable{
			{Name: "src", Type: json.RawMessage(`"string"`), Value: json.RawMessage(`"data2"`)},
			{Name: "token", Sensitive: true, Salt: strings.Repeat("ab", SaltLen), Hash: strings.Repeat("cd", HashLen)},
		},
	}
}
