package format

import (
	"bytes"
	"os"
	"testing"
)

// FuzzSource: formatting never panics and never formats what does not
// parse; formatting is deterministic.
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
	})
}
