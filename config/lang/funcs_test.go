package lang

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/mlform/mlform/internal/testtree"
)

func TestFunctions(t *testing.T) {
	dir := testtree.Temp(t, map[string]string{
		"main.mlf.hcl":   "",
		"data/x.txt":     "hello\n",
		"greeting.tpl":   "Hello, ${upper(name)}!%{ for c in cols } ${c}%{ endfor }",
		"bad.tpl":        "${",
		"sub/inner.json": `{"a": [1, 2]}`,
	})
	if err := os.Symlink("/etc/hostname", filepath.Join(dir, "escape")); err != nil {
		t.Fatal(err)
	}
	abs, err := filepath.Abs(filepath.Join(dir, "data/x.txt"))
	if err != nil {
		t.Fatal(err)
	}
	funcs := NewFunctions(dir)
	tests := []struct {
		expr    string
		want    cty.Value
		wantErr string
	}{
		{expr: `file("data/x.txt")`, want: cty.StringVal("hello\n")},
		{expr: `file("./data/../data/x.txt")`, want: cty.StringVal("hello\n")},
		{expr: `file("` + abs + `")`, want: cty.StringVal("hello\n")},
		{expr: `file("../x.txt")`, wantErr: "outside the configuration directory"},
		{expr: `file("/etc/hostname")`, wantErr: "outside the configuration directory"},
		{expr: `file("escape")`, wantErr: "outside the configuration directory"},
		{expr: `file("data")`, wantErr: "is a directory"},
		{expr: `file("")`, wantErr: "the path is empty"},
		{expr: `fileexists("data/x.txt")`, want: cty.True},
		{expr: `fileexists("data")`, want: cty.False},
		{expr: `fileexists("nope")`, want: cty.False},
		{expr: `fileexists("../nope")`, wantErr: "outside the configuration directory"},
		{expr: `filesha256("data/x.txt")`, want: cty.StringVal("5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03")},
		{expr: `jsondecode(file("sub/inner.json")).a[1]`, want: cty.NumberIntVal(2)},
		{expr: `templatefile("greeting.tpl", { name = "ada", cols = ["a", "b"] })`, want: cty.StringVal("Hello, ADA! a b")},
		{expr: `templatefile("greeting.tpl", { name = "ada" })`, wantErr: "uses cols, which is not among the variables given"},
		{expr: `templatefile("greeting.tpl", "x")`, wantErr: "must be an object"},
		{expr: `templatefile("bad.tpl", {})`, wantErr: "template bad.tpl"},
		{expr: `replace("a-b-c", "-", "+")`, want: cty.StringVal("a+b+c")},
		{expr: `replace("a1b22c", "/[0-9]+/", "_")`, want: cty.StringVal("a_b_c")},
		{expr: `replace("x", "/[/", "_")`, wantErr: "invalid regular expression"},
		{expr: `startswith("churn-v1", "churn")`, want: cty.True},
		{expr: `endswith("churn-v1", "v2")`, want: cty.False},
		{expr: `try(tonumber("x"), 7)`, want: cty.NumberIntVal(7)},
		{expr: `can(tonumber("x"))`, want: cty.False},
		{expr: `lower(format("%s-%d", "A", 3))`, want: cty.StringVal("a-3")},
		{expr: `jsonencode({ b = 1, a = [true] })`, want: cty.StringVal(`{"a":[true],"b":1}`)},
		{expr: `length(csvdecode("a,b\n1,2\n"))`, want: cty.NumberIntVal(1)},
		{expr: `join(",", concat(["a"], split("/", "b/c")))`, want: cty.StringVal("a,b,c")},
		{expr: `max(1, 5, 3) + min(2, 4) + abs(-1) + ceil(1.2) + floor(1.8)`, want: cty.NumberIntVal(5 + 2 + 1 + 2 + 1)},
		{expr: `lookup(merge({ a = 1 }, { b = 2 }), "b", 0)`, want: cty.NumberIntVal(2)},
		{expr: `contains(keys({ x = 1 }), "x")`, want: cty.True},
		{expr: `coalesce("", "y")`, want: cty.StringVal("y")},
		{expr: `trimspace("  t ")`, want: cty.StringVal("t")},
		{expr: `regex("v([0-9]+)", "model-v12")[0]`, want: cty.StringVal("12")},
		{expr: `tostring(3)`, want: cty.StringVal("3")},
		{expr: `length(toset(["a", "a"]))`, want: cty.NumberIntVal(1)},
		{expr: `length("héllo")`, want: cty.NumberIntVal(5)},
		{expr: `length({ a = 1, b = "x" })`, want: cty.NumberIntVal(2)},
		{expr: `length(["a", 1])`, want: cty.NumberIntVal(2)},
		{expr: `length(null)`, wantErr: "must not be null"},
		{expr: `length(true)`, wantErr: "must be a string, a collection type, or a structural type"},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			expr, diags := hclsyntax.ParseExpression([]byte(tt.expr), "test", hcl.InitialPos)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			got, diags := expr.Value(&hcl.EvalContext{Functions: funcs})
			if tt.wantErr != "" {
				if !diags.HasErrors() || !strings.Contains(diags.Error(), tt.wantErr) {
					t.Fatalf("%s = %#v, %v; want error %q", tt.expr, got, diags, tt.wantErr)
				}
				return
			}
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			if !got.RawEquals(tt.want) {
				t.Fatalf("%s = %#v; want %#v", tt.expr, got, tt.want)
			}
		})
	}
}

func TestFunctionNamesDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/language.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range FunctionNames() {
		if !strings.Contains(string(doc), "`"+name+"(") {
			t.Errorf("function %s is not documented in docs/language.md", name)
		}
	}
}
