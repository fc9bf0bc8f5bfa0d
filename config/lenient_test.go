package config

import (
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2/hclsyntax"
)

func TestSingleLineBlocksWithCommas(t *testing.T) {
	tests := []struct {
		name string
		src  string
		// attr -> "line:col" of its expression in the original source
		want map[string]string
		// wantErr: the parse must fail (HCL's own rule applies)
		wantErr string
	}{
		{
			name: "two arguments",
			src:  "drift  { method = \"psi\", threshold = 0.2 }   # c\nafter = 1\n",
			want: map[string]string{"method": "1:19", "threshold": "1:38"},
		},
		{
			name: "three arguments and a multi-byte string",
			src:  "b { a = \"é\", b = 2, c = [1, 2] }\nz = 3\n",
			want: map[string]string{"a": "1:9", "b": "1:18", "c": "1:25"},
		},
		{
			name: "commas inside values are not touched",
			src:  "b { a = [1, 2], m = { x = 1, y = 2 }, f = max(1, 2) }\n",
			want: map[string]string{"a": "1:9", "m": "1:21", "f": "1:43"},
		},
		{
			name: "nested block on one line",
			src:  "outer {\n  inner { p = 1, q = \"${join(\",\", [\"a\"])}\" }\n}\n",
			want: map[string]string{"p": "2:15", "q": "2:22"},
		},
		{
			name:    "no space before the brace is left to HCL",
			src:     "b {a = 1, b = 2}\n",
			wantErr: "Invalid single-argument block definition",
		},
		{
			name:    "a comma after a multi-line block's argument is still an error",
			src:     "b {\n  a = 1,\n}\n",
			wantErr: "Unexpected comma after argument",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, diags := parseConfig([]byte(tt.src), "x.hcl")
			if tt.wantErr != "" {
				if !diags.HasErrors() || !strings.Contains(diags.Error(), tt.wantErr) {
					t.Fatalf("diags = %v; want %q", diags, tt.wantErr)
				}
				return
			}
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			if string(f.Bytes) != tt.src {
				t.Fatal("File.Bytes is not the original source")
			}
			got := map[string]string{}
			var walk func(b *hclsyntax.Body)
			walk = func(b *hclsyntax.Body) {
				for name, a := range b.Attributes {
					r := a.Expr.Range()
					got[name] = strings.TrimPrefix(rangeString(r), "x.hcl:")
					// Byte offsets and line/column must agree with the original.
					if line := strings.Count(tt.src[:r.Start.Byte], "\n") + 1; line != r.Start.Line {
						t.Errorf("%s: line %d but byte %d is on line %d", name, r.Start.Line, r.Start.Byte, line)
					}
				}
				for _, blk := range b.Blocks {
					walk(blk.Body)
				}
			}
			walk(f.Body.(*hclsyntax.Body))
			for name, at := range tt.want {
				if got[name] != at {
					t.Errorf("%s at %s; want %s", name, got[name], at)
				}
			}
		})
	}
}

func TestSingleLineCommaDiagnosticPositions(t *testing.T) {
	src := "a { x = 1, y = }\nb = 2\n"
	_, diags := parseConfig([]byte(src), "x.hcl")
	if !diags.HasErrors() {
		t.Fatal("want a syntax error")
	}
	for _, d := range diags {
		if d.Subject == nil {
			continue
		}
		if d.Subject.Start.Line != 1 {
			t.Errorf("diagnostic %q on line %d; want line 1 (%s)", d.Summary, d.Subject.Start.Line, rangeString(*d.Subject))
		}
	}
}
