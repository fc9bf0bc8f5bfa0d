package syntax

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/mlform/mlform/config/lang"
	"github.com/mlform/mlform/internal/fleetgen"
)

// fleetSource is the configuration internal/fleetgen writes for n models.
func fleetSource(t testing.TB, n int) string {
	dir := t.TempDir()
	if err := fleetgen.Write(dir, n); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(dir, "fleet.mlf.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	return string(src)
}

// samePieces checks that parsing src in pieces, when it is done, gives
// what parsing it whole gives, and that ParseFile always does.
func samePieces(t *testing.T, src []byte) (pieces bool) {
	t.Helper()
	whole, wholeDiags := parseWhole(src, "x.mlf.hcl")
	f, nesting, ok := parsePieces(src, "x.mlf.hcl")
	if !ok && nesting != nil && !reflect.DeepEqual(nesting, wholeDiags) {
		t.Fatalf("a piece nests too deeply: %v, but the whole file's diagnostics are %v", nesting, wholeDiags)
	}
	if ok {
		if wholeDiags.HasErrors() || len(wholeDiags) > 0 {
			t.Fatalf("parsed in pieces, but the whole file has diagnostics: %v", wholeDiags)
		}
		if !reflect.DeepEqual(f.Body, whole.Body) {
			t.Fatal("the body parsed in pieces differs from the whole file's")
		}
		if string(f.Bytes) != string(whole.Bytes) {
			t.Fatal("File.Bytes differs")
		}
		wantNav := whole.Nav.(interface {
			ContextString(int) string
			ContextDefRange(int) hcl.Range
		})
		for off := 0; off <= len(src); off += 1 + len(src)/97 {
			if got, want := f.Nav.(navigation).ContextString(off), wantNav.ContextString(off); got != want {
				t.Fatalf("ContextString(%d) = %q, want %q", off, got, want)
			}
			if got, want := f.Nav.(navigation).ContextDefRange(off), wantNav.ContextDefRange(off); got != want {
				t.Fatalf("ContextDefRange(%d) = %v, want %v", off, got, want)
			}
		}
	}
	pf, pd := ParseFile(src, "x.mlf.hcl")
	if td := lang.CheckText(src, "x.mlf.hcl"); td.HasErrors() {
		// A file that is not UTF-8 text (a NUL byte, UTF-16) is that one
		// error, before any parse, whole or in pieces.
		if !reflect.DeepEqual(pd, td) {
			t.Fatalf("ParseFile of a file that is not text: %v, want %v", pd, td)
		}
		return ok
	}
	if !reflect.DeepEqual(pd, wholeDiags) || !reflect.DeepEqual(pf.Body, whole.Body) {
		t.Fatalf("ParseFile differs from parsing the whole file: %v, want %v", pd, wholeDiags)
	}
	return ok
}

// TestParsePieces: a file parsed in pieces gives the body, ranges and
// diagnostics of parsing it whole, and a file whose cuts would fall inside
// a string, heredoc, comment or block, or that holds an error, is parsed
// whole.
func TestParsePieces(t *testing.T) {
	design, err := os.ReadFile("../testdata/design/main.mlf.hcl")
	if err != nil {
		t.Fatal(err)
	}
	fleet := fleetSource(t, 60)
	block := "model \"m%d\" {\n  train {\n    command = [\"sh\", \"train.sh\", \"${1 + 2}\", \"-x\", \"(\"]\n    params = { a = !true, b = -1, c = true ? 1 : 2 }\n  }\n}\n"
	many := func(n int, b string) string {
		var s strings.Builder
		for i := range n {
			s.WriteString(strings.ReplaceAll(b, "%d", strings.Repeat("x", i%7+1)+string(rune('a'+i%26))))
		}
		return s.String()
	}
	deep := strings.Repeat("(", lang.MaxNesting+1) + "1" + strings.Repeat(")", lang.MaxNesting+1)
	tests := []struct {
		name   string
		src    string
		pieces bool // parsed in pieces
	}{
		{name: "fleet", src: fleet, pieces: true},
		{name: "design twice", src: string(design) + "\n" + string(design), pieces: true},
		{name: "blocks", src: many(80, block), pieces: true},
		{name: "leading comments and blank lines", src: "# c\n\n/* x\n}\n*/\n" + many(40, block), pieces: true},
		{name: "top-level arguments", src: "a = 1\n" + many(40, block) + "b = 2\n", pieces: true},
		{name: "an argument set twice", src: "a = 1\n" + many(40, block) + "a = 2\n"},
		{name: "a heredoc holding a closing brace", src: many(40, block) + "x {\n  y = <<EOT\n}\n" + strings.Repeat("(", 130) + "\nEOT\n}\n" + many(40, block)},
		{name: "a comment holding a closing brace", src: many(40, block) + "/*\n}\n" + strings.Repeat("\"", 131) + "\n*/\n" + many(40, block)},
		{name: "a misindented block", src: many(40, block) + "x {\n  y {\n}\n" + strings.Repeat("[", 10) + "\n}\n" + many(40, block)},
		{name: "a syntax error in a later piece", src: many(40, block) + "x {\n  y = \n}\n" + many(40, block)},
		{name: "nested too deeply in a later piece", src: many(40, block) + "x {\n  y = " + deep + "\n}\n" + many(40, block)},
		{name: "an operator chain in a later piece", src: many(40, block) + "x {\n  y = 1" + strings.Repeat(" + 1", lang.MaxOperatorChain+1) + "\n}\n" + many(40, block)},
		{name: "a long heredoc in a later piece", src: many(40, block) + "x {\n  y = <<EOT\n" + strings.Repeat("a\n", lang.MaxTemplateParts+1) + "EOT\n}\n" + many(40, block)},
		{name: "nesting bytes in one long block", src: many(40, block) + "x {\n  y = [" + strings.Repeat("\"(\", ", 200) + "]\n}\n" + many(40, block), pieces: true},
		{name: "a byte order mark in the middle", src: many(40, block) + "\xef\xbb\xbfx {\n}\n" + many(40, block)},
		{name: "a byte order mark at the start", src: "\xef\xbb\xbf" + many(80, block), pieces: true},
		{name: "no newline at the end", src: many(80, block) + "x {\n}", pieces: true},
		{name: "CRLF", src: strings.ReplaceAll(many(80, block), "\n", "\r\n")},
		{name: "unicode", src: many(40, strings.ReplaceAll(block, "sh", "é🙂")), pieces: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := samePieces(t, []byte(tt.src)); got != tt.pieces {
				t.Errorf("parsed in pieces: %v, want %v", got, tt.pieces)
			}
		})
	}
}

// FuzzParsePieces: whenever a file is parsed in pieces, the result is the
// whole file's: cut as mlform cuts, and cut into pieces of a few nesting
// bytes each.
//
// mlform cuts a piece after lang.MaxNesting nesting bytes, so only inputs
// of several hundred bytes split at all; each execution parses them three
// times, and the fuzzer minimizes every input that finds new coverage at a
// cost quadratic in its length. With kilobyte seeds the workers spent the
// whole run minimizing, at a few executions in all. Cutting small inputs
// finely exercises the same cutting and joining on inputs of a few lines;
// the kilobyte files are checked by TestParsePiecesLarge.
func FuzzParsePieces(f *testing.F) {
	f.Add("a {\n  b = \"${c}\"\n}\nd \"e\" {\n  f = <<EOT\n}\nEOT\n}\n" + strings.Repeat("g {\n  h = [1, -2, !true, (3)]\n}\n", 3))
	f.Add("x = 1\nm \"a\" {\n  t {\n    c = [\"sh\", \"${1 + 2}\"]\n  }\n}\nm \"b\" {\n  p = { a = !true, b = -1 }\n}\n")
	f.Fuzz(func(t *testing.T, src string) {
		samePieces(t, []byte(src))
		finePieces(t, func() { samePieces(t, []byte(src)) })
	})
}

// finePieces runs check with pieces cut after 4 nesting bytes.
func finePieces(t *testing.T, check func()) {
	t.Helper()
	defer func(n int) { pieceNesting = n }(pieceNesting)
	pieceNesting = 4
	check()
}

// TestParsePiecesLarge runs FuzzParsePieces's checks on files of a few
// kilobytes, which the fuzzer's seeds are not.
func TestParsePiecesLarge(t *testing.T) {
	for i, src := range []string{
		fleetSource(t, 12),
		"a {\n  b = \"${c}\"\n}\nd \"e\" {\n  f = <<EOT\n}\nEOT\n}\n" + strings.Repeat("g {\n  h = [1, -2, !true, (3)]\n}\n", 30),
	} {
		if !samePieces(t, []byte(src)) && i == 0 {
			t.Error("the fleet was not parsed in pieces")
		}
		finePieces(t, func() {
			if !samePieces(t, []byte(src)) && i == 0 {
				t.Error("the fleet was not parsed in fine pieces")
			}
		})
	}
}

// BenchmarkParseFileFleet parses the 1,000-model fleet's configuration:
// in pieces, and whole as it was.
func BenchmarkParseFileFleet(b *testing.B) {
	src := []byte(fleetSource(b, 1000))
	b.Run("pieces", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, ok := parsePieces(src, "fleet.mlf.hcl"); !ok {
				b.Fatal("not parsed in pieces")
			}
		}
	})
	b.Run("whole", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, diags := parseWhole(src, "fleet.mlf.hcl"); diags.HasErrors() {
				b.Fatal(diags)
			}
		}
	})
}
