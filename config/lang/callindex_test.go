package lang

import (
	"maps"
	"os"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// TestCallIndex: the calls the index finds inside each block and argument
// are the ones walking that node finds.
func TestCallIndex(t *testing.T) {
	design, err := os.ReadFile("../testdata/design/main.mlf.hcl")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, src string }{
		{name: "design", src: string(design)},
		{name: "calls and loops", src: `
locals {
  a = upper("x")
  b = [for x in range(3) : format("%d", x)]
  c = { for k, v in { a = 1 } : k => [for y in [v] : y] }
  d = "${lower("A")}-${join(",", [for s in ["q"] : trimspace(s)])}"
  e = 1
}
model "m" {
  train {
    command = [for c in split(" ", "a b") : c]
    params  = { n = max(1, 2) }
  }
}
model "n" {
  datasets = [dataset.d]
}
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, diags := hclsyntax.ParseConfig([]byte(tt.src), "x.mlf.hcl", hcl.InitialPos)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			body := f.Body.(*hclsyntax.Body)
			x := CountLoopsIndexCalls(body)
			check := func(what string, n hclsyntax.Node, r hcl.Range) {
				if got, want := x.In(r), CalledFunctions(n); !maps.Equal(got, want) {
					t.Errorf("%s: index finds %v, walking finds %v", what, got, want)
				}
			}
			for _, b := range body.Blocks {
				check(b.Type, b, b.Range())
				for name, a := range b.Body.Attributes {
					check(b.Type+"."+name, a, a.SrcRange)
				}
			}
		})
	}
}
