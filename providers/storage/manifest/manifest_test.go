package manifest

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/zeebo/blake3"

	"github.com/mlform/mlform/internal/relpath"
)

func TestManifestIDGolden(t *testing.T) {
	c := strings.Repeat("c", 64)
	h := strings.Repeat("d", 64)
	m := &Manifest{
		Kind: KindSnapshot,
		Files: []File{
			{Path: "z/b.csv", Size: 5, Hash: h, Mode: 0o644, Chunks: []Chunk{{ID: c, Size: 5}}},
			{Path: "a.csv", Size: 0, Hash: EmptyHash, Mode: 0o755},
		},
		Meta: map[string]string{"source": "data/", "b": "<&>"},
	}
	const wantEnc = `{"format":1,"kind":"snapshot","files":[{"path":"a.csv","size":0,"hash":"` + EmptyHash + `","mode":493,"chunks":[]},{"path":"z/b.csv","size":5,"hash":"` + "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd" + `","mode":420,"chunks":[{"id":"` + "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc" + `","size":5}]}],"meta":{"b":"<&>","source":"data/"}}` + "\n"
	if got := string(Encode(m)); got != wantEnc {
		t.Fatalf("canonical encoding changed:\n got %s\nwant %s", got, wantEnc)
	}
	const wantID = "140dab7ae69bc4cbc91e6747af94b68418b8f1459feff4c391d16e7d561f7285"
	if got := ID(m); got != wantID {
		t.Errorf("ManifestID = %s, want %s", got, wantID)
	}
	if sum := blake3.Sum256(nil); hex.EncodeToString(sum[:]) != EmptyHash {
		t.Errorf("EmptyHash constant %s, BLAKE3('') = %x", EmptyHash, sum)
	}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	back, err := Decode([]byte(wantEnc))
	if err != nil {
		t.Fatal(err)
	}
	if ID(back) != ID(m) {
		t.Error("decode and re-encode changed the id")
	}
}

func TestDecodeManifestRejects(t *testing.T) {
	h := EmptyHash
	file := func(path string) string {
		return `{"path":"` + path + `","size":0,"hash":"` + h + `","mode":420,"chunks":[]}`
	}
	tests := map[string]string{
		"not json":        `{`,
		"trailing":        `{"format":1,"kind":"snapshot","files":[]} {}`,
		"future format":   `{"format":2,"kind":"snapshot","files":[]}`,
		"unknown field":   `{"format":1,"kind":"snapshot","files":[],"extra":1}`,
		"unsorted":        `{"format":1,"kind":"snapshot","files":[` + file("b") + `,` + file("a") + `]}`,
		"duplicate":       `{"format":1,"kind":"snapshot","files":[` + file("a") + `,` + file("a") + `]}`,
		"escape":          `{"format":1,"kind":"snapshot","files":[` + file("../a") + `]}`,
		"bad kind":        `{"format":1,"kind":"","files":[]}`,
		"negative size":   `{"format":1,"kind":"snapshot","files":[{"path":"a","size":-1,"hash":"` + h + `","mode":0,"chunks":[]}]}`,
		"wrong empty":     `{"format":1,"kind":"snapshot","files":[{"path":"a","size":0,"hash":"` + strings.Repeat("0", 64) + `","mode":0,"chunks":[]}]}`,
		"chunk too large": `{"format":1,"kind":"snapshot","files":[{"path":"a","size":4194305,"hash":"` + strings.Repeat("0", 64) + `","mode":0,"chunks":[{"id":"` + strings.Repeat("1", 64) + `","size":4194305}]}]}`,
		"uppercase id":    `{"format":1,"kind":"snapshot","files":[{"path":"a","size":1,"hash":"` + strings.Repeat("A", 64) + `","mode":0,"chunks":[{"id":"` + strings.Repeat("1", 64) + `","size":1}]}]}`,
	}
	for name, doc := range tests {
		if _, err := Decode([]byte(doc)); err == nil {
			t.Errorf("%s: Decode accepted %s", name, doc)
		}
	}
	if _, err := Decode([]byte(`{"format":1,"kind":"snapshot","files":[` + file("a") + `,` + file("b/c") + `]}`)); err != nil {
		t.Errorf("valid manifest refused: %v", err)
	}
}

// FuzzDecode: any input either fails cleanly or yields a manifest
// whose every path is safe and whose canonical re-encoding decodes to the
// same id.
func FuzzDecode(f *testing.F) {
	h := EmptyHash
	f.Add([]byte(`{"format":1,"kind":"snapshot","files":[{"path":"a/b","size":0,"hash":"` + h + `","mode":420,"chunks":[]}]}`))
	f.Add([]byte(`{"format":1,"kind":"snapshot","files":[{"path":"../x","size":0,"hash":"` + h + `","mode":420,"chunks":[]}]}`))
	f.Add([]byte(`{"format":1,"kind":"logs","files":[],"meta":{"k":"v"}}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Decode(data)
		if err != nil {
			return
		}
		for _, file := range m.Files {
			if err := relpath.Check(file.Path); err != nil {
				t.Fatalf("decoded an unsafe path: %v", err)
			}
		}
		enc := Encode(m)
		m2, err := Decode(enc)
		if err != nil {
			t.Fatalf("canonical encoding does not decode: %v\n%s", err, enc)
		}
		if !bytes.Equal(Encode(m2), enc) {
			t.Fatal("canonical encoding is not stable")
		}
	})
}
