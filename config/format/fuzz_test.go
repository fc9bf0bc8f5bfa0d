package format

import (
	"bytes"
	"os"
	"testing"
)

// FuzzSource: formatting never panics and never formats what does not
// parse; formatting is deterministic, its output parses, and formatting
// that output changes nothing.
func FuzzSource(f *testing.F) {
	design, err := os.ReadFile("../testdata/design/main.mlf.hcl")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(design)
	f.Add([]byte("locals {\n  a = local.b\n  b = local.a\n}\n"))
	f.Add([]byte("d { a = 1, b = [1, 2], c = { x = 1 } }\n"))
	f.Add([]byte("x = <<EOT\nhello\n"))
	f.Add([]byte("x = \"${\"\n"))
	f.Add([]byte("\xff\xfe{"))
	f.Fuzz(func(t *testing.T, src []byte) {
		out, diags := Source(src, "x.mlf.hcl")
		if diags.HasErrors() {
			if out != nil {
				t.Fatal("output despite syntax errors")
			}
			return
		}
		again, _ := Source(src, "x.mlf.hcl")
		if !bytes.Equal(out, again) {
			t.Fatal("Source is not deterministic")
		}
		// What fmt writes parses, and fmt leaves it as it is (`fmt
		// -check` after `fmt` passes).
		twice, diags := Source(out, "x.mlf.hcl")
		if diags.HasErrors() {
			t.Fatalf("formatted source does not parse: %v\n%s", diags, out)
		}
		if !bytes.Equal(twice, out) {
			t.Fatalf("formatting is not idempotent:\n%q\n%q", out, twice)
		}
	})
}
