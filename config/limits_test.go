package config

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mlform/mlform/config/lang"
)

// Each expression is refused with a diagnostic at its position instead of
// exhausting the stack, memory or time.
func TestEvaluationLimits(t *testing.T) {
	deep := strings.Repeat("(", lang.MaxNesting+1) + "1" + strings.Repeat(")", lang.MaxNesting+1)
	ok := strings.Repeat("(", lang.MaxNesting-2) + "1" + strings.Repeat(")", lang.MaxNesting-2)
	okChain := "1" + strings.Repeat(" + 1", lang.MaxOperatorChain-2)
	okIfs := `"` + strings.Repeat("%{ if true }x%{ else }y%{ endif }", 200) + strings.Repeat("%{ for v in [1] }${v}", lang.MaxNesting-4) + strings.Repeat("%{ endfor }", lang.MaxNesting-4) + `"`
	tests := []struct {
		name, expr, want string
	}{
		{"nested parens", deep, "Expression nested too deeply"},
		{"unary chain", "1 + " + strings.Repeat("-", lang.MaxNesting+1) + "1", "Expression nested too deeply"},
		{"conditional chain", strings.Repeat("true ? 1 : ", lang.MaxNesting+1) + "2", "Expression nested too deeply"},
		{"binary operator chain", "1" + strings.Repeat(" + 1", lang.MaxOperatorChain+1), "chain at most"},
		{"mixed operator chain", "1" + strings.Repeat(" * 2 - 1 == 0 || true && 2 > 1", lang.MaxOperatorChain/6+1), "chain at most"},
		{"splat chain", "[1]" + strings.Repeat("[*]", lang.MaxOperatorChain+1), "chain at most"},
		{"index chain", "[1]" + strings.Repeat("[length([])]", lang.MaxOperatorChain+1), "chain at most"},
		{"chain across parentheses", strings.Repeat(strings.Repeat("1 + ", 11)+"(", 100) + "1" + strings.Repeat(")", 100), "chain at most"},
		{"nested if directives", `"` + strings.Repeat("%{ if true }", lang.MaxNesting+1) + "x" + strings.Repeat("%{ endif }", lang.MaxNesting+1) + `"`, "nest at most"},
		{"escapes in a row", `"` + strings.Repeat("$${", lang.MaxTemplateParts/2) + strings.Repeat("%%{", lang.MaxTemplateParts/2+1) + `"`, "Template too long"},
		{"nested for directives", `"` + strings.Repeat("%{~ for x in [1] ~}", lang.MaxNesting+1) + "x" + strings.Repeat("%{~ endfor ~}", lang.MaxNesting+1) + `"`, "nest at most"},
		{"setproduct", "setproduct(range(1000), range(1000), range(1000))", "result would be larger than"},
		{"range", "range(0, 100000000, 1)", "result would be larger than"},
		{"format width", `format("%1000000000d", 1)`, "result would be larger than"},
		{"replace", `replace(join("", [for i in range(1000) : "aaaa"]), "", join("", [for i in range(1000) : "bbbbbbb"]))`, "result would be larger than"},
		{"indent", `indent(100000000, "a\nb")`, "result would be larger than"},
		{"nested loops", "[for i in range(1000) : [for j in range(1000) : [for k in range(1000) : k]]]", "iterations"},
		{"deep json", `jsondecode("` + strings.Repeat("[", lang.MaxNesting+1) + `")`, "JSON nested more than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{"main.mlf.hcl": "locals {\n  a = " + tt.expr + "\n}\n"})
			_, diags := Load(dir, LoadOptions{Getenv: noEnv})
			if !diags.HasErrors() || !strings.Contains(diags.Error(), tt.want) || !strings.Contains(diags.Error(), "main.mlf.hcl:2,") {
				t.Fatalf("diags = %v; want an error at line 2 saying %q", diags, tt.want)
			}
		})
	}
	okEscapes := `"` + strings.Repeat("$${", lang.MaxTemplateParts-2) + `"`
	okHeredoc := "<<EOT\n" + strings.Repeat("line\n", lang.MaxTemplateParts-1) + "EOT"
	dir := writeFiles(t, map[string]string{"main.mlf.hcl": "locals {\n  a = " + ok + "\n  b = length(setproduct(range(100), range(100)))\n  c = " + okChain + "\n  d = " + okIfs +
		"\n  e = " + okEscapes + "\n  f = " + okHeredoc + "\n}\n"})
	if cfg, diags := Load(dir, LoadOptions{Getenv: noEnv}); diags.HasErrors() || cfg.Locals["b"].Value.AsBigFloat().String() != "10000" {
		t.Fatalf("expressions within the limits: %v", diags)
	}
	// A heredoc of more lines than a template may hold parts is refused at
	// the line where it passes the limit.
	long := "locals {\n  a = <<EOT\n" + strings.Repeat("line\n", lang.MaxTemplateParts+1) + "EOT\n}\n"
	_, diags := Load(writeFiles(t, map[string]string{"main.mlf.hcl": long}), LoadOptions{Getenv: noEnv})
	if want := fmt.Sprintf("main.mlf.hcl:%d,", 3+lang.MaxTemplateParts); !strings.Contains(diags.Error(), "Template too long") || !strings.Contains(diags.Error(), want) {
		t.Fatalf("a heredoc of %d lines: %v; want Template too long at %s", lang.MaxTemplateParts+1, diags, want)
	}
}

// Whatever a configuration computes from a sensitive variable, no
// diagnostic quotes it.
func TestSensitiveDerivedValuesHidden(t *testing.T) {
	const secret = "S3CR3T-abc-S3CR3T"
	for _, expr := range []string{
		`tonumber(upper(var.token))`, `parseint(lower(var.token), 10)`, `tobool("x${var.token}")`,
		`formatdate("YYYY", var.token)`, `timeadd(trimprefix(var.token, "s3"), "1h")`, `file(var.token)`,
		`{for s in split("-", var.token) : s => 1}`, `jsondecode(var.token)`, `{a = 1}[var.token]`,
		`[for s in split("-", var.token) : tonumber(s)]`, `var.token * 2`, `tomap({(var.token) = 1, (lower(var.token)) = "x"})["y"]`,
	} {
		t.Run(expr, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{"main.mlf.hcl": "variable \"token\" {\n  sensitive = true\n}\nlocals {\n  a = " + expr + "\n}\n"})
			_, diags := Load(dir, LoadOptions{Getenv: noEnv, Vars: []string{"token=" + secret}})
			if !diags.HasErrors() {
				t.Fatal("want an error")
			}
			if msg := strings.ToLower(diags.Error()); strings.Contains(msg, "s3cr3t") || strings.Contains(msg, "abc") {
				t.Fatalf("diagnostics show the secret: %v", diags)
			}
		})
	}
}

// A string template is bounded while it is built, not only once it is
// built: HCL copies every interpolated part into the string, and a
// reference costs nothing, so "${local.big}" repeated (or looped over by a
// template directive, or in a template file) would build gigabytes before
// the result was measured. Each part charges the work budget, which stops
// the template once spent.
func TestTemplateBoundedWhileBuilt(t *testing.T) {
	mib := strings.Repeat("x", 1<<20)
	refs := strings.Repeat("${local.big}", 100)
	for name, expr := range map[string]string{
		"parts":     `"` + refs + `"`,
		"heredoc":   "<<EOT\n" + refs + "\nEOT",
		"directive": `"%{for i in range(100)}${local.big}%{endfor}"`,
		"file":      `templatefile("t.tpl", { big = local.big })`,
	} {
		t.Run(name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{
				"main.mlf.hcl": "locals {\n  big = file(\"big.txt\")\n  a = " + expr + "\n}\n",
				"big.txt":      mib,
				"t.tpl":        strings.ReplaceAll(refs, "local.big", "big"),
			})
			_, diags := Load(dir, LoadOptions{Getenv: noEnv})
			if !diags.HasErrors() || !strings.Contains(diags.Error(), "units of work") {
				t.Fatalf("diags = %v; want the work limit, which stops the template while it is built", diags)
			}
		})
	}
	dir := writeFiles(t, map[string]string{"main.mlf.hcl": "locals {\n  big = file(\"big.txt\")\n  a = \"${local.big}-${local.big}\"\n}\n", "big.txt": mib})
	if cfg, diags := Load(dir, LoadOptions{Getenv: noEnv}); diags.HasErrors() || len(cfg.Locals["a"].Value.AsString()) != 2<<20+1 {
		t.Fatalf("a template within the limits: %v", diags)
	}
}
