package diag

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/mlform/mlform/internal/wanttext"
)

func TestWriteWindowsLongLines(t *testing.T) {
	long := "x = " + strings.Repeat("(", 5000) + "BAD" + strings.Repeat(")", 5000)
	for _, tc := range []struct {
		name      string
		src       string
		at        string // the subject's text
		wantIn    []string
		wantNotIn []string
		maxLen    int
	}{
		{"short line whole", "a = 1\nb = bad\n", "bad", []string{"2: b = bad"}, []string{"..."}, 400},
		{"long line windowed", "a = 1\n" + long + "\n", "BAD", []string{"  2: ...", "BAD", "...\n"}, []string{strings.Repeat("(", 400)}, 800},
		{"long first line", long, "BAD", []string{"  1: ...", "BAD"}, nil, 800},
	} {
		t.Run(tc.name, func(t *testing.T) {
			i := strings.Index(tc.src, tc.at)
			line := strings.Count(tc.src[:i], "\n") + 1
			col := i - strings.LastIndex(tc.src[:i], "\n")
			r := hcl.Range{Filename: "m.mlf.hcl", Start: hcl.Pos{Line: line, Column: col, Byte: i}, End: hcl.Pos{Line: line, Column: col + len(tc.at), Byte: i + len(tc.at)}}
			files := map[string]*hcl.File{"m.mlf.hcl": {Bytes: []byte(tc.src)}}
			var buf bytes.Buffer
			err := Write(&buf, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Problem", Detail: "Detail.", Subject: &r}}, files, false)
			if err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			want := "Error: m.mlf.hcl:" + strconv.Itoa(line) + ":" + strconv.Itoa(col) + ": Problem"
			if !strings.Contains(out, want) {
				t.Errorf("output lacks the real position %q:\n%s", want, out)
			}
			wanttext.Check(t, out, tc.wantIn, tc.wantNotIn)
			if len(out) > tc.maxLen {
				t.Errorf("output is %d bytes, want at most %d", len(out), tc.maxLen)
			}
		})
	}
}

// Snippets are cut out of a stand-in holding only the lines shown, so they
// must read exactly as HCL's writer prints them from the whole file: same
// lines, numbers, highlight and "in BLOCK" header, for subjects with and
// without a context, on the first and last line, across CRLF line ends.
func TestWriteSnippetMatchesWholeFile(t *testing.T) {
	srcs := []string{
		"model \"m\" {\n  train {\n    comand = [\"t\"]\n  }\n}\n",
		"locals {\r\n  a = local.b\r\n  c = (1 +\r\n    \"x\")\r\n}",
		"\xef\xbb\xbfvariable \"v\" {\n  default = 1\n}\nlocals { x = var.nope }",
	}
	for _, src := range srcs {
		f, diags := hclsyntax.ParseConfig([]byte(src), "m.mlf.hcl", hcl.InitialPos)
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		files := map[string]*hcl.File{"m.mlf.hcl": f}
		body := f.Body.(*hclsyntax.Body)
		var ds hcl.Diagnostics
		_ = hclsyntax.VisitAll(body, func(n hclsyntax.Node) hcl.Diagnostics {
			r := n.Range()
			d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "P", Detail: "D.", Subject: &r}
			if e, ok := n.(hclsyntax.Expression); ok {
				d.Expression = e
			}
			if e, ok := n.(*hclsyntax.BinaryOpExpr); ok {
				rl := e.LHS.Range()
				d.Subject, d.Context = &rl, &r
			}
			ds = append(ds, d)
			return nil
		})
		if len(ds) < 5 {
			t.Fatalf("only %d nodes", len(ds))
		}
		// One diagnostic also shows the values its expression refers to.
		vars := map[string]cty.Value{"local": cty.ObjectVal(map[string]cty.Value{"b": cty.StringVal("bee")})}
		for _, d := range ds {
			if e, ok := d.Expression.(*hclsyntax.ScopeTraversalExpr); ok && e.Traversal.RootName() == "local" {
				d.EvalContext = &hcl.EvalContext{Variables: vars}
			}
		}
		withValues := 0
		for _, d := range ds {
			for _, color := range []bool{false, true} {
				var got, want bytes.Buffer
				if err := Write(&got, hcl.Diagnostics{d}, files, color); err != nil {
					t.Fatal(err)
				}
				c := *d
				c.Summary = d.Subject.Filename + ":" + strconv.Itoa(d.Subject.Start.Line) + ":" + strconv.Itoa(d.Subject.Start.Column) + ": P"
				if err := hcl.NewDiagnosticTextWriter(&want, printableFiles(files), 0, color).WriteDiagnostic(&c); err != nil {
					t.Fatal(err)
				}
				if got.String() != want.String() {
					t.Errorf("subject %v color %v:\ngot:\n%q\nwant:\n%q", d.Subject, color, got.String(), want.String())
				}
				if strings.Contains(got.String(), "with local.b as \"bee\".") {
					withValues++
				}
			}
		}
		if strings.Contains(src, "local.b") && withValues == 0 {
			t.Error("no diagnostic showed the values its expression refers to")
		}
	}
}

// Many problems in a large file: the writer reads only the lines it shows,
// so this takes well under a second (over a minute when every diagnostic
// scanned the whole 4 MiB file).
func TestWriteManyDiagnosticsLargeFile(t *testing.T) {
	var src strings.Builder
	for src.Len() < 4<<20 {
		src.WriteString("locals {\n  v = \"" + strings.Repeat("x", 200) + "\"\n  e = local.nope\n}\n")
	}
	f, diags := hclsyntax.ParseConfig([]byte(src.String()), "m.mlf.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	var ds hcl.Diagnostics
	blocks := f.Body.(*hclsyntax.Body).Blocks
	for i := 0; i < 500; i++ { // spread over the whole file
		r := blocks[i*len(blocks)/500].Body.Attributes["e"].Expr.Range()
		ds = append(ds, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Reference to undeclared local value", Subject: &r})
	}
	done := make(chan error, 1)
	var out bytes.Buffer
	go func() { done <- Write(&out, ds, map[string]*hcl.File{"m.mlf.hcl": f}, false) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("writing 500 diagnostics of a 4 MiB file takes over 30 s")
	}
	if n := strings.Count(out.String(), "in locals:\n"); n != 500 {
		t.Errorf("%d snippets name their block, want 500", n)
	}
}
