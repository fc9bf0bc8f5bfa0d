package diag

import (
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/mlform/mlform/internal/wanttext"
)

func TestWrite(t *testing.T) {
	src := "model \"m\" {\n  train {\n    comand = [\"t\"]\n  }\n}\n"
	f, diags := hclsyntax.ParseConfig([]byte(src), "main.mlf.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	files := map[string]*hcl.File{"main.mlf.hcl": f}
	rng := hcl.Range{Filename: "main.mlf.hcl", Start: hcl.Pos{Line: 3, Column: 5, Byte: 27}, End: hcl.Pos{Line: 3, Column: 11, Byte: 33}}
	tests := []struct {
		name  string
		diag  *hcl.Diagnostic
		color bool
		want  []string
		not   []string
	}{
		{
			name: "with position",
			diag: &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unsupported argument", Detail: "Did you mean \"command\"?", Subject: &rng},
			want: []string{
				"Error: main.mlf.hcl:3:5: Unsupported argument\n",
				"  on main.mlf.hcl line 3, in model \"m\":\n",
				"   3:     comand = [\"t\"]\n",
				"Did you mean \"command\"?\n",
			},
			not: []string{"\x1b["},
		},
		{
			name: "warning",
			diag: &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Value for undeclared variable", Subject: &rng},
			want: []string{"Warning: main.mlf.hcl:3:5: Value for undeclared variable\n"},
		},
		{
			name: "without position",
			diag: &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid -var option", Detail: "details"},
			want: []string{"Error: Invalid -var option\n", "details\n"},
			not:  []string{" on "},
		},
		{
			name:  "colour",
			diag:  &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "S", Subject: &rng},
			color: true,
			want:  []string{"\x1b[31mError\x1b[0m: main.mlf.hcl:3:5: S"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if err := Write(&b, hcl.Diagnostics{tt.diag}, files, tt.color); err != nil {
				t.Fatal(err)
			}
			wanttext.Check(t, b.String(), tt.want, tt.not)
		})
	}
	if tests[0].diag.Summary != "Unsupported argument" {
		t.Error("Write changed the caller's diagnostic")
	}
}

func TestValidateJSONSnippet(t *testing.T) {
	src := "a = 1\nb = [\n  1,\n  2,\n]\n"
	f, _ := hclsyntax.ParseConfig([]byte(src), "x.mlf.hcl", hcl.InitialPos)
	files := map[string]*hcl.File{"x.mlf.hcl": f}
	multi := hcl.Range{Filename: "x.mlf.hcl", Start: hcl.Pos{Line: 2, Column: 5, Byte: 10}, End: hcl.Pos{Line: 5, Column: 2, Byte: 23}}
	stale := hcl.Range{Filename: "x.mlf.hcl", Start: hcl.Pos{Line: 90, Column: 1, Byte: 900}, End: hcl.Pos{Line: 90, Column: 2, Byte: 901}}
	other := hcl.Range{Filename: "<value for var.x>", Start: hcl.Pos{Line: 1, Column: 1}, End: hcl.Pos{Line: 1, Column: 2, Byte: 1}}
	doc := NewValidateJSON(hcl.Diagnostics{
		{Severity: hcl.DiagError, Summary: "multi", Subject: &multi},
		{Severity: hcl.DiagWarning, Summary: "stale", Subject: &stale},
		{Severity: hcl.DiagError, Summary: "other file", Subject: &other},
		{Severity: hcl.DiagError, Summary: "nowhere"},
	}, files)
	if doc.Valid || doc.ErrorCount != 3 || doc.WarningCount != 1 || doc.FormatVersion != "1.0" {
		t.Fatalf("doc = %+v", doc)
	}
	s := doc.Diagnostics[0].Snippet
	if s == nil || s.Code != "b = [\n  1,\n  2,\n]" || s.StartLine != 2 || s.HighlightStartOffset != 4 || s.HighlightEndOffset != 17 || s.Context != nil {
		t.Fatalf("multi-line snippet = %+v", s)
	}
	if got := s.Code[s.HighlightStartOffset:s.HighlightEndOffset]; got != "[\n  1,\n  2,\n]" {
		t.Fatalf("highlight = %q", got)
	}
	if doc.Diagnostics[1].Snippet != nil || doc.Diagnostics[1].Range == nil {
		t.Errorf("stale range: %+v", doc.Diagnostics[1])
	}
	if doc.Diagnostics[2].Snippet != nil || doc.Diagnostics[2].Range.Filename != "<value for var.x>" {
		t.Errorf("range in an unknown file: %+v", doc.Diagnostics[2])
	}
	if doc.Diagnostics[3].Range != nil || doc.Diagnostics[3].Snippet != nil {
		t.Errorf("no position: %+v", doc.Diagnostics[3])
	}
	if empty := NewValidateJSON(nil, nil); !empty.Valid || empty.Diagnostics == nil {
		t.Errorf("empty = %+v (diagnostics must be [] in JSON, not null)", empty)
	}
}

// A configuration file is anyone's text: a line a snippet quotes, and a
// message, cannot drive the terminal, in colour or not, and the snippet
// still points at the right place.
func TestWriteControlCharacters(t *testing.T) {
	src := "locals {\r\n  a = \"x\x1b]0;title\a\x1b[2J\u202e\xff\" + 1\r\n}\r\n"
	f, _ := hclsyntax.ParseConfig([]byte(src), "main.mlf.hcl", hcl.InitialPos)
	files := map[string]*hcl.File{"main.mlf.hcl": f}
	start := strings.Index(src, "+ 1")
	rng := hcl.Range{Filename: "main.mlf.hcl", Start: hcl.Pos{Line: 2, Column: 1, Byte: start}, End: hcl.Pos{Line: 2, Column: 4, Byte: start + 3}}
	d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Bad \x1b[31m", Detail: "detail \x1b]0;x\a", Subject: &rng}
	for _, color := range []bool{false, true} {
		var b strings.Builder
		if err := Write(&b, hcl.Diagnostics{d}, files, color); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		for _, bad := range []string{"\a", "\x1b]", "\x1b[2J", "Bad \x1b", "\u202e", "\xff", "\r"} {
			if strings.Contains(out, bad) {
				t.Errorf("color=%v: %q reached the output:\n%q", color, bad, out)
			}
		}
		if !strings.Contains(out, `a = "x?]0;title??[2J????" `) || !strings.Contains(out, `Bad \x1b[31m`) {
			t.Errorf("color=%v: snippet line not shown with its controls replaced:\n%q", color, out)
		}
	}
	if f.Bytes[strings.Index(src, "\x1b")] != 0x1b {
		t.Error("Write changed the file's bytes")
	}
}

// A file name is anyone's text too: the "on FILE line N" header shows it
// escaped, with its snippet.
func TestWriteControlCharactersInFileName(t *testing.T) {
	name := "x\x1b[2Jy.mlf.hcl"
	src := "locals {\n  a = 1 +\n}\n"
	f, _ := hclsyntax.ParseConfig([]byte(src), name, hcl.InitialPos)
	rng := hcl.Range{Filename: name, Start: hcl.Pos{Line: 2, Column: 3, Byte: 11}, End: hcl.Pos{Line: 2, Column: 4, Byte: 12}}
	var b strings.Builder
	err := Write(&b, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Bad", Subject: &rng, Context: &rng}}, map[string]*hcl.File{name: f}, false)
	if err != nil {
		t.Fatal(err)
	}
	wanttext.Check(t, b.String(), []string{`Error: x\x1b[2Jy.mlf.hcl:2:3: Bad`, `on x\x1b[2Jy.mlf.hcl line 2`, "2:   a = 1 +"}, []string{"\x1b"})
}

// A credential written in a URL never reaches the output: the snippet
// line shows it as '*'s, in text and in validate -json, with the
// highlight still on the URL, and the caller's file is left as it was.
func TestSnippetMasksURLSecrets(t *testing.T) {
	src := "storage \"s\" {\n  url = \"s3://b/a/?prefix=b/&token=hunter22\"\n}\n"
	f, _ := hclsyntax.ParseConfig([]byte(src), "main.mlf.hcl", hcl.InitialPos)
	files := map[string]*hcl.File{"main.mlf.hcl": f}
	start := strings.Index(src, `"s3:`)
	end := strings.Index(src, "22\"") + 3
	rng := hcl.Range{Filename: "main.mlf.hcl", Start: hcl.Pos{Line: 2, Column: 9, Byte: start}, End: hcl.Pos{Line: 2, Column: 9 + end - start, Byte: end}}
	d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid URL", Subject: &rng}
	for _, color := range []bool{false, true} {
		var b strings.Builder
		if err := Write(&b, hcl.Diagnostics{d}, files, color); err != nil {
			t.Fatal(err)
		}
		hl, off := "", ""
		if color {
			hl, off = "\x1b[1;4m", "\x1b[0m"
		}
		wanttext.Check(t, b.String(), []string{"   2:   url = " + hl + `"s3://b/a/?prefix=b/&token=********"` + off + "\n"}, []string{"hunter22"})
	}
	s := NewValidateJSON(hcl.Diagnostics{d, d}, files).Diagnostics[1].Snippet
	if s == nil || strings.Contains(s.Code, "hunter22") || s.Code[s.HighlightStartOffset:s.HighlightEndOffset] != `"s3://b/a/?prefix=b/&token=********"` {
		t.Errorf("JSON snippet = %+v", s)
	}
	if string(f.Bytes) != src {
		t.Error("the file's bytes were changed")
	}
}
