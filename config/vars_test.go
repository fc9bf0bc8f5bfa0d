package config

import (
	"maps"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

const varsConfig = `
variable "n" {
  type    = number
  default = 1
}
variable "s" {
  default = "d"
}
variable "l" {
  type    = list(string)
  default = []
}
variable "o" {
  type = object({
    a = string
    b = optional(number, 7)
  })
  default = { a = "x" }
}
variable "secret" {
  type      = string
  sensitive = true
  default   = "d"
}
variable "secret_map" {
  type      = map(string)
  sensitive = true
  default   = {}
}
`

func TestVariablePrecedence(t *testing.T) {
	tests := []struct {
		name       string
		env        map[string]string
		files      map[string]string // extra files in the config dir
		args       []VarArg
		vars       []string
		varFiles   []string
		variable   string
		want       cty.Value
		wantSource string
	}{
		{name: "default", variable: "n", want: cty.NumberIntVal(1), wantSource: "default"},
		{name: "env", env: map[string]string{"MLFORM_VAR_n": "2"}, variable: "n", want: cty.NumberIntVal(2), wantSource: "environment variable MLFORM_VAR_n"},
		{name: "mlfvars beats env", env: map[string]string{"MLFORM_VAR_n": "2"}, files: map[string]string{"a.mlfvars": "n = 3"},
			variable: "n", want: cty.NumberIntVal(3)},
		{name: "mlfvars alphabetical", files: map[string]string{"b.mlfvars": "n = 5", "a.mlfvars": "n = 4"}, variable: "n", want: cty.NumberIntVal(5)},
		{name: "-var beats mlfvars", files: map[string]string{"a.mlfvars": "n = 3"}, args: []VarArg{{Value: "n=6"}}, variable: "n", want: cty.NumberIntVal(6), wantSource: "-var"},
		{name: "command-line order: file last", files: map[string]string{"x.vars": "n = 8"},
			args: []VarArg{{Value: "n=6"}, {File: true, Value: "x.vars"}}, variable: "n", want: cty.NumberIntVal(8)},
		{name: "command-line order: var last", files: map[string]string{"x.vars": "n = 8"},
			args: []VarArg{{File: true, Value: "x.vars"}, {Value: "n=6"}}, variable: "n", want: cty.NumberIntVal(6)},
		{name: "unordered Vars after VarFiles", files: map[string]string{"x.vars": "n = 8"}, vars: []string{"n=9"}, varFiles: []string{"x.vars"},
			variable: "n", want: cty.NumberIntVal(9)},
		{name: "JSON -var-file", files: map[string]string{"x.json": `{"n": 8, "s": "${var.n}"}`}, args: []VarArg{{File: true, Value: "x.json"}},
			variable: "n", want: cty.NumberIntVal(8), wantSource: "x.json"},
		{name: "JSON -var-file strings are literal", files: map[string]string{"x.json": `{"s": "${var.n}"}`}, args: []VarArg{{File: true, Value: "x.json"}},
			variable: "s", want: cty.StringVal("${var.n}")},
		{name: "mlfvars.json auto-loaded after a.mlfvars", files: map[string]string{"a.mlfvars": "n = 3", "b.mlfvars.json": `{"o": {"a": "j"}, "n": 4}`},
			variable: "n", want: cty.NumberIntVal(4), wantSource: "b.mlfvars.json"},
		{name: "string taken literally", args: []VarArg{{Value: `s=["not", "a list"]`}}, variable: "s", want: cty.StringVal(`["not", "a list"]`)},
		{name: "value with equals", args: []VarArg{{Value: "s=a=b"}}, variable: "s", want: cty.StringVal("a=b")},
		{name: "list parsed as HCL", args: []VarArg{{Value: `l=["a", "b"]`}}, variable: "l", want: cty.ListVal([]cty.Value{cty.StringVal("a"), cty.StringVal("b")})},
		{name: "list from env", env: map[string]string{"MLFORM_VAR_l": `["e"]`}, variable: "l", want: cty.ListVal([]cty.Value{cty.StringVal("e")})},
		{name: "object optional default", args: []VarArg{{Value: `o={ a = "y" }`}}, variable: "o",
			want: cty.ObjectVal(map[string]cty.Value{"a": cty.StringVal("y"), "b": cty.NumberIntVal(7)})},
		{name: "object default gets optional", variable: "o",
			want: cty.ObjectVal(map[string]cty.Value{"a": cty.StringVal("x"), "b": cty.NumberIntVal(7)})},
		{name: "sensitive value", args: []VarArg{{Value: "secret=hunter2"}}, variable: "secret", want: cty.StringVal("hunter2")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chdirVarsConfig(t, tt.files)
			cfg := loadOK(t, ".", LoadOptions{
				Args: tt.args, Vars: tt.vars, VarFiles: tt.varFiles,
				Getenv: func(k string) string { return tt.env[k] },
			})
			v := cfg.Variables[tt.variable]
			if !v.Value.RawEquals(tt.want) {
				t.Fatalf("var.%s = %#v; want %#v", tt.variable, v.Value, tt.want)
			}
			if got := cfg.scope.vars[tt.variable].HasMark(sensitiveMark); got != v.Sensitive {
				t.Fatalf("expressions see var.%s marked sensitive: %v; want %v", tt.variable, got, v.Sensitive)
			}
			if tt.wantSource != "" && v.Source != tt.wantSource {
				t.Fatalf("source = %q; want %q", v.Source, tt.wantSource)
			}
		})
	}
}

func TestVariableErrors(t *testing.T) {
	tests := []struct {
		name  string
		env   map[string]string
		files map[string]string
		args  []VarArg
		want  string
	}{
		{name: "env wrong type", env: map[string]string{"MLFORM_VAR_n": "x"}, want: "from environment variable MLFORM_VAR_n is not suitable"},
		{name: "env bad HCL", env: map[string]string{"MLFORM_VAR_l": "[1,"}, want: "must be an HCL expression of type list of string"},
		{name: "var-file bad syntax", files: map[string]string{"x.vars": "n = = 1"}, args: []VarArg{{File: true, Value: "x.vars"}}, want: "x.vars:1:5"},
		{name: "var-file block", files: map[string]string{"x.vars": "n {\n}\n"}, args: []VarArg{{File: true, Value: "x.vars"}}, want: "Unexpected block in variables file"},
		{name: "var-file reference", files: map[string]string{"x.vars": "n = var.s\n"}, args: []VarArg{{File: true, Value: "x.vars"}}, want: "must be a literal value; it cannot refer to var.s"},
		{name: "var-file function", files: map[string]string{"x.vars": "s = upper(\"a\")\n"}, args: []VarArg{{File: true, Value: "x.vars"}}, want: "Function calls not allowed"},
		{name: "mlfvars wrong type", files: map[string]string{"a.mlfvars": "l = 3\n"}, want: "a.mlfvars:1:5: Invalid value for variable"},
		{name: "JSON -var-file wrong type", files: map[string]string{"x.json": "{\n  \"n\": \"abc\"\n}"}, args: []VarArg{{File: true, Value: "x.json"}}, want: "x.json:2:8: Invalid value for variable"},
		{name: "JSON -var-file syntax", files: map[string]string{"x.json": `{"n": `}, args: []VarArg{{File: true, Value: "x.json"}}, want: "x.json:1:1: Unclosed object"},
		{name: "mlfvars.json not an object", files: map[string]string{"a.mlfvars.json": `[1]`}, want: "a.mlfvars.json:1:1: Incorrect JSON value type"},
		{name: "JSON -var-file with a byte order mark", files: map[string]string{"x.json": "\ufeff{\"n\": 8}"}, args: []VarArg{{File: true, Value: "x.json"}},
			want: "x.json:1:1: Invalid variables file"},
		{name: "JSON -var-file with a byte order mark, named", files: map[string]string{"x.json": "\ufeff{\"n\": 8}"}, args: []VarArg{{File: true, Value: "x.json"}},
			want: "x.json starts with a UTF-8 byte order mark"},
		{name: "mlfvars.json with a byte order mark", files: map[string]string{"a.mlfvars.json": "\ufeff{\"n\": 8}"}, want: "a.mlfvars.json starts with a UTF-8 byte order mark"},
		{name: "sensitive value in mlfvars not in snippet", files: map[string]string{"a.mlfvars": "secret_map = [\"hunter2\"]\n"},
			want: "a.mlfvars:1:14: Invalid value for variable"},
		{name: "sensitive value in JSON var-file not in snippet", files: map[string]string{"x.json": `{"secret": {"k": "hunter2"}, "n": "bad"}`},
			args: []VarArg{{File: true, Value: "x.json"}}, want: "x.json:1:12: Invalid value for variable"},
		{name: "-var without name", args: []VarArg{{Value: "=3"}}, want: "Invalid -var option"},
		{name: "sensitive -var bad syntax not echoed", args: []VarArg{{Value: "secret_map=hunter2-secret"}}, want: "must be an HCL expression of type map of string"},
		{name: "sensitive -var wrong type not echoed", args: []VarArg{{Value: `secret_map=["hunter2"]`}}, want: "var.secret_map from -var is not suitable"},
		{name: "-var wrong attribute names its path", args: []VarArg{{Value: `o={a="x", b="q"}`}}, want: "(declared at main.mlf.hcl:13:1): b: a number is required"},
		{name: "env wrong list element names its index", env: map[string]string{"MLFORM_VAR_l": `["a", ["b"]]`}, want: "MLFORM_VAR_l is not suitable for its type constraint (declared at main.mlf.hcl:9:1): element 1: string required"},
		{name: "sensitive -var wrong element key not echoed", args: []VarArg{{Value: `secret_map={hunter2=["x"]}`}}, want: "(declared at main.mlf.hcl:25:1): a value of type map of string is required"},
		{name: "var-file duplicate key", files: map[string]string{"x.vars": "o = { a = \"x\", b = 1, a = \"y\" }\n"}, args: []VarArg{{File: true, Value: "x.vars"}},
			want: `The key "a" was already given at x.vars:1:7`},
		{name: "mlfvars nested duplicate key", files: map[string]string{"a.mlfvars": "l = [\"a\"]\no = { a = \"x\", b = { c = 1, \"c\" = 2 } }\n"},
			want: `a.mlfvars:2:29: Duplicate object key`},
		{name: "-var duplicate key", args: []VarArg{{Value: `o={a="x", b=1, b=2}`}}, want: `Duplicate object key: The key "b" was already given at <value for var.o>:1:9`},
		{name: "sensitive var-file duplicate key not echoed", files: map[string]string{"a.mlfvars": "secret_map = { hunter2 = \"a\", hunter2 = \"b\" }\n"},
			want: "a.mlfvars:1:31: Duplicate object key"},
		{name: "sensitive -var duplicate key not echoed", args: []VarArg{{Value: `secret_map={hunter2="a", hunter2="b"}`}}, want: "must be an HCL expression of type map of string"},
		{name: "-var nested attribute error is not prefixed twice", args: []VarArg{{Value: `o={a="x", b={c=1}}`}}, want: "(declared at main.mlf.hcl:13:1): attribute \"b\": number required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chdirVarsConfig(t, tt.files)
			cfg, diags := Load(".", LoadOptions{Args: tt.args, Getenv: func(k string) string { return tt.env[k] }})
			if !diags.HasErrors() {
				t.Fatalf("no error; want %q", tt.want)
			}
			text := diagText(diags, cfg)
			if !strings.Contains(text, tt.want) {
				t.Fatalf("diagnostics do not mention %q:\n%s", tt.want, text)
			}
			if strings.Contains(text, "hunter2") {
				t.Fatalf("diagnostics leak a value:\n%s", text)
			}
		})
	}
}

// A variable whose type or default is wrong gets that one error, not also
// "No value for required variable" (it does have a default).
func TestVariableBadDeclarationReportedOnce(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"default refers", "variable \"q\" {\n  default = var.n\n}\n", "main.mlf.hcl:2:13: Variables not allowed"},
		{"default wrong type", "variable \"q\" {\n  type    = number\n  default = \"x\"\n}\n", "main.mlf.hcl:3:13: Invalid default value for variable"},
		{"bad type", "variable \"q\" {\n  type = lst(string)\n}\n", "main.mlf.hcl:2:10: Invalid type specification"},
		{"misspelt constructor", "variable \"q\" {\n  type = lst(string)\n}\n", `Keyword "lst" is not a valid type constructor. Did you mean "list"?`},
		{"misspelt keyword", "variable \"q\" {\n  type = numbr\n}\n", `The keyword "numbr" is not a valid type specification. Did you mean "number"?`},
		{"misspelt keyword inside", "variable \"q\" {\n  type = object({ a = strng })\n}\n", `main.mlf.hcl:2:23: Invalid type specification`},
		{"misspelt keyword inside, hint", "variable \"q\" {\n  type = object({ a = strng })\n}\n", `Did you mean "string"?`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{"main.mlf.hcl": tt.src})
			t.Chdir(dir)
			cfg, diags := Load(".", LoadOptions{Getenv: noEnv})
			text := diagText(diags, cfg)
			if !strings.Contains(text, tt.want) {
				t.Fatalf("diagnostics do not mention %q:\n%s", tt.want, text)
			}
			if strings.Contains(text, "No value for required variable") {
				t.Fatalf("follow-on error reported:\n%s", text)
			}
		})
	}
}

// chdirVarsConfig writes varsConfig and extra files to a new directory and
// makes it the working directory: -var-file paths are relative to it.
func chdirVarsConfig(t *testing.T, extra map[string]string) {
	t.Helper()
	files := map[string]string{"main.mlf.hcl": varsConfig}
	maps.Copy(files, extra)
	t.Chdir(writeFiles(t, files))
}
