package value

import (
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// args parses `b { BODY }` and reads it in a context with one sensitive
// variable.
func args(t *testing.T, body string) (*Args, *hcl.Diagnostics) {
	t.Helper()
	f, diags := hclsyntax.ParseConfig([]byte("b {\n"+body+"\n}\n"), "x.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	ctx := &hcl.EvalContext{Variables: map[string]cty.Value{
		"var": cty.ObjectVal(map[string]cty.Value{"secret": cty.StringVal("s3cr3t").Mark("sensitive")}),
	}}
	var got hcl.Diagnostics
	return New(&got, f.Body.(*hclsyntax.Body).Blocks[0], ctx), &got
}

func TestArgs(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		read       func(e *Args) any
		want       any
		err        string // a part of the diagnostic, which is at the value (2:5)
	}{
		{name: "string", body: `a = "x"`, read: func(e *Args) any { s, _, _ := e.Str("a", false); return s }, want: "x"},
		{name: "number as string", body: `a = 3`, read: func(e *Args) any { s, _, _ := e.Str("a", false); return s }, want: "3"},
		{name: "absent", body: ``, read: func(e *Args) any { _, _, ok := e.Str("a", false); return ok }, want: false},
		{name: "wrong type", body: `a = [1]`, read: func(e *Args) any { s, _, _ := e.Str("a", false); return s }, want: "", err: "Incorrect attribute value type"},
		{name: "sensitive refused", body: `a = var.secret`, read: func(e *Args) any { s, _, _ := e.Str("a", false); return s }, want: "", err: "cannot be derived from a sensitive variable"},
		{name: "sensitive allowed", body: `a = var.secret`, read: func(e *Args) any { s, _, _ := e.Str("a", true); return s }, want: "s3cr3t"},
		{name: "integer", body: `a = 4`, read: func(e *Args) any { n, _, _ := e.Integer("a"); return n }, want: 4},
		{name: "fraction is no integer", body: `a = 4.5`, read: func(e *Args) any { n, _, _ := e.Integer("a"); return n }, want: 0, err: "whole number"},
		{name: "duration in days", body: `a = "2d"`, read: func(e *Args) any { return e.Duration("a", 1) }, want: 48 * time.Hour},
		{name: "duration too short", body: `a = "0s"`, read: func(e *Args) any { return e.Duration("a", time.Second) }, want: time.Duration(0), err: "must be positive"},
		{name: "params", body: `a = { lr = 0.5, on = true }`, read: func(e *Args) any { return len(e.Params("a")) }, want: 2},
		{name: "params not an object", body: `a = 1`, read: func(e *Args) any { return len(e.Params("a")) }, want: 0, err: "must be an object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, diags := args(t, tc.body)
			if got := tc.read(e); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
			text := diags.Error()
			switch {
			case tc.err == "" && diags.HasErrors():
				t.Errorf("unexpected: %s", text)
			case tc.err != "" && (!e.Failed || !strings.Contains(text, tc.err)):
				t.Errorf("want %q (and Failed), got %v: %s", tc.err, e.Failed, text)
			case tc.err != "" && (*diags)[0].Subject.Start != (hcl.Pos{Line: 2, Column: 5, Byte: 8}):
				t.Errorf("diagnostic at %v, want the value at 2:5", (*diags)[0].Subject.Start)
			}
			if strings.Contains(text, "s3cr3t") {
				t.Errorf("a diagnostic shows the secret: %s", text)
			}
		})
	}
}
