package vars

import (
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

func TestRedactDiagnostics(t *testing.T) {
	vars := map[string]*Variable{
		"token": {Name: "token", Sensitive: true, Value: cty.StringVal("hunter2-secret").Mark(Sensitive)},
		"nested": {Name: "nested", Sensitive: true, Value: cty.ObjectVal(map[string]cty.Value{
			"pw": cty.StringVal("p4ssw0rd"), "n": cty.NumberIntVal(123456), "short": cty.StringVal("ab"),
		}).Mark(Sensitive)},
		"public": {Name: "public", Value: cty.StringVal("visible-value")},
	}
	in := hcl.Diagnostics{{
		Severity:    hcl.DiagError,
		Summary:     "cannot use hunter2-secret",
		Detail:      "values p4ssw0rd, 123456, visible-value and ab",
		EvalContext: &hcl.EvalContext{},
	}}
	out := Redact(in, vars)
	d := out[0]
	if d.Summary != "cannot use (sensitive value)" {
		t.Errorf("summary = %q", d.Summary)
	}
	if d.Detail != "values (sensitive value), (sensitive value), visible-value and ab" {
		t.Errorf("detail = %q", d.Detail)
	}
	if d.EvalContext != nil {
		t.Error("EvalContext kept: the text writer could print values from it")
	}
	if in[0].Summary != "cannot use hunter2-secret" {
		t.Error("redactDiagnostics changed its input")
	}
	if got := Redact(in, map[string]*Variable{"public": vars["public"]}); got[0] != in[0] {
		t.Error("diagnostics copied although nothing is sensitive")
	}
}
