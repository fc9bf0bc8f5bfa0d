package manifest

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/zeebo/blake3"
)

// reflectEncode is the reference: what encoding/json writes for doc, the
// encoding every stored manifest id was computed from.
func reflectEncode(t testing.TB, doc *document) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestAppendManifestMatchesEncodingJSON(t *testing.T) {
	id := "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"
	tests := []struct {
		name string
		doc  document
	}{
		{"empty", document{Format: 1, Kind: KindSnapshot, Files: []File{}}},
		{"nil files", document{Format: 1, Kind: KindSnapshot}},
		{"one file", document{Format: 1, Kind: KindSnapshot, Files: []File{{Path: "a/b.csv", Size: 3, Hash: id, Mode: 0o644, Chunks: []Chunk{{ID: id, Size: 3}}}}}},
		{"nil chunks", document{Format: 1, Kind: KindArtifacts, Files: []File{{Path: "e", Hash: id, Chunks: nil}}}},
		{"many chunks", document{Format: 1, Kind: KindSnapshot, Files: []File{{Path: "big", Size: 1 << 40, Hash: id, Mode: 0o755, Chunks: []Chunk{{ID: id, Size: 4 << 20}, {ID: id, Size: 1}}}}}},
		{"meta sorted by bytes", document{Format: 1, Kind: KindLogs, Files: []File{}, Meta: map[string]string{"b": "2", "a": "1", "B": "3", "é": "4"}}},
		{"escapes", document{Format: 1, Kind: "k\"\\", Files: []File{{Path: "tab\there\nnl\r\b\f\x00\x1f\x7f", Hash: "<&>"}}, Meta: map[string]string{"\u2028": "\u2029", "bad\xff\xfe": "\xc3(", "emoji": "😀"}}},
		{"negative", document{Format: -1, Kind: "", Files: []File{{Path: "n", Size: -5}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := reflectEncode(t, &tt.doc)
			got := appendDoc(nil, &tt.doc)
			if !bytes.Equal(got, want) {
				t.Errorf("appendDoc =\n%s\nencoding/json =\n%s", got, want)
			}
		})
	}
}

// TestEncodeManifestLeavesCallerFiles checks that the canonical ordering and
// the empty chunk lists are applied to a copy, never to the caller's slice.
func TestEncodeManifestLeavesCallerFiles(t *testing.T) {
	id := "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"
	files := []File{{Path: "b", Hash: id}, {Path: "a", Hash: id}}
	m := &Manifest{Kind: KindSnapshot, Files: files}
	enc := Encode(m)
	if files[0].Path != "b" || files[0].Chunks != nil || files[1].Chunks != nil {
		t.Fatalf("Encode changed the caller's files: %+v", files)
	}
	sorted := &Manifest{Kind: KindSnapshot, Files: []File{{Path: "a", Hash: id, Chunks: []Chunk{}}, {Path: "b", Hash: id, Chunks: []Chunk{}}}}
	if !bytes.Equal(enc, Encode(sorted)) {
		t.Fatalf("file order or nil chunk lists changed the encoding:\n%s\n%s", enc, Encode(sorted))
	}
}

func FuzzAppendManifest(f *testing.F) {
	f.Add("snapshot", "a/b.csv", "af13", int64(3), uint32(0o644), "k", "v")
	f.Add("k\"", "\x00\u2028\xff", "<>&", int64(-1), uint32(1<<31), "\u2029", "\t")
	f.Fuzz(func(t *testing.T, kind, path, hash string, size int64, mode uint32, mk, mv string) {
		doc := document{Format: 1, Kind: kind, Files: []File{
			{Path: path, Size: size, Hash: hash, Mode: mode, Chunks: []Chunk{{ID: hash, Size: mode}}},
			{Path: mk, Hash: mv},
		}, Meta: map[string]string{mk: mv, path: kind}}
		want := reflectEncode(t, &doc)
		if got := appendDoc(nil, &doc); !bytes.Equal(got, want) {
			t.Fatalf("appendDoc differs from encoding/json:\n%q\n%q", got, want)
		}
	})
}

// BenchmarkEncodeManifest20k encodes the manifest of a 20,000-file snapshot,
// which plan and apply each do.
func BenchmarkEncodeManifest20k(b *testing.B) {
	m := benchManifest(20000)
	b.ReportAllocs()
	for b.Loop() {
		Encode(m)
	}
}

// BenchmarkValidateManifest20k checks the same manifest, as PutManifest and
// every read do.
func BenchmarkValidateManifest20k(b *testing.B) {
	m := benchManifest(20000)
	b.ReportAllocs()
	for b.Loop() {
		if err := m.Validate(); err != nil {
			b.Fatal(err)
		}
	}
}

func benchManifest(n int) *Manifest {
	files := make([]File, n)
	for i := range files {
		sum := blake3.Sum256([]byte(fmt.Sprint(i)))
		id := hex.EncodeToString(sum[:])
		files[i] = File{Path: fmt.Sprintf("d%03d/f%05d.bin", i/200, i), Size: 34000, Hash: id, Mode: 0o644, Chunks: []Chunk{{ID: id, Size: 34000}}}
	}
	return &Manifest{Kind: KindSnapshot, Files: files}
}

// TestValidatePathSet covers the rules on a manifest's set of paths: no
// duplicates, and no path that is both a file and a directory, whatever the
// order of the files and whatever sorts between "a" and "a/…".
func TestValidatePathSet(t *testing.T) {
	tests := []struct {
		paths   []string
		wantErr string // "" for valid
	}{
		{[]string{"a", "b", "c/d"}, ""},
		{[]string{"a", "a0", "a-b", "ab"}, ""},
		{[]string{"a/b", "a/c", "ab/c"}, ""},
		{[]string{"a", "a"}, `lists "a" twice`},
		{[]string{"b", "a", "b"}, `lists "b" twice`},
		{[]string{"a", "a/b"}, `"a" both as a file and as a directory of "a/b"`},
		{[]string{"a/b", "a"}, `"a" both as a file and as a directory of "a/b"`},
		// '-' and '.' sort before '/': the directory's files are not next.
		{[]string{"a", "a-x", "a.y", "a/z"}, `"a" both as a file and as a directory of "a/z"`},
		{[]string{"a", "a-x", "a.y", "a0/z"}, ""},
		{[]string{"x/a", "x/a-1", "x/a/deep/er"}, `"x/a" both as a file and as a directory of "x/a/deep/er"`},
		{[]string{"a", "a!", "a!/b"}, `"a!" both as a file and as a directory of "a!/b"`},
		{[]string{"a", "a!", "a!b/c"}, ""},
	}
	for _, tt := range tests {
		files := make([]File, len(tt.paths))
		for i, p := range tt.paths {
			files[i] = File{Path: p, Hash: EmptyHash, Chunks: []Chunk{}}
		}
		err := (&Manifest{Kind: KindSnapshot, Files: files}).Validate()
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("%q: %v", tt.paths, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%q: error %v, want one containing %s", tt.paths, err, tt.wantErr)
		}
	}
}
