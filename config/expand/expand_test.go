package expand

import (
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

func TestOf(t *testing.T) {
	ctx := &hcl.EvalContext{Variables: map[string]cty.Value{
		"var": cty.ObjectVal(map[string]cty.Value{"secret": cty.StringVal("x").Mark("sensitive")}),
	}, Functions: map[string]function.Function{"toset": stdlib.MakeToFunc(cty.Set(cty.DynamicPseudoType))}}
	for _, tc := range []struct {
		name, body string
		names      []string
		err        string
	}{
		{name: "map", body: `for_each = { us = 1, eu = 2 }`, names: []string{`m["eu"]`, `m["us"]`}},
		{name: "set", body: `for_each = toset(["b", "a"])`, names: []string{`m["a"]`, `m["b"]`}},
		{name: "count", body: `count = 2`, names: []string{"m[0]", "m[1]"}},
		{name: "zero", body: `count = 0`},
		{name: "both", body: "for_each = {}\ncount = 1", err: "mutually-exclusive"},
		{name: "list", body: `for_each = ["a"]`, err: "toset(LIST)"},
		{name: "bad key", body: `for_each = { "a/b" = 1 }`, err: "only ASCII letters"},
		{name: "fraction", body: `count = 1.5`, err: "whole number"},
		{name: "sensitive", body: `for_each = toset([var.secret])`, err: "Sensitive values"},
		{name: "each in for_each", body: `for_each = each.value`, err: "cannot refer to each"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := "model \"m\" {\n" + tc.body + "\n}\n"
			f, diags := hclsyntax.ParseConfig([]byte(src), "x.hcl", hcl.InitialPos)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			b := f.Body.(*hclsyntax.Body).Blocks[0]
			var got hcl.Diagnostics
			x, ok := Of(b, ctx, &got)
			if tc.err != "" {
				if ok || !strings.Contains(got.Error(), tc.err) {
					t.Fatalf("Of = %v, %v; want an error containing %q", ok, got, tc.err)
				}
				return
			}
			if !ok {
				t.Fatal(got)
			}
			names, extra := x.Instances("m")
			if !slices.Equal(names, tc.names) || len(extra) != len(names) {
				t.Errorf("instances = %q (%d extras), want %q", names, len(extra), tc.names)
			}
		})
	}
}

func TestRef(t *testing.T) {
	for _, tc := range []struct {
		expr           string
		forEach, count bool
		err            string
	}{
		{expr: "each.key", forEach: true},
		{expr: "each.value", forEach: true},
		{expr: "count.index", count: true},
		{expr: "each.key", err: "only available in a block that sets for_each"},
		{expr: "each.name", forEach: true, err: "each has two attributes"},
		{expr: "count.index", forEach: true, err: "only available in a block that sets count"},
		{expr: "count.value", count: true, err: "count has one attribute"},
	} {
		e, diags := hclsyntax.ParseExpression([]byte(tc.expr), "x.hcl", hcl.InitialPos)
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		d := Ref(e.Variables()[0], tc.forEach, tc.count)
		switch {
		case tc.err == "" && d != nil:
			t.Errorf("Ref(%s) = %s", tc.expr, d.Detail)
		case tc.err != "" && (d == nil || !strings.Contains(d.Detail, tc.err)):
			t.Errorf("Ref(%s) = %v, want %q", tc.expr, d, tc.err)
		}
	}
}
