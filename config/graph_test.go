package config

import (
	"fmt"
	"strings"
	"testing"
)

// A cycle is reported once, as the path of the first cycle met from the
// least address (dependencies least first), at the reference that leaves
// its first node: the same configuration always names the same cycle.
func TestCycleDiagnostic(t *testing.T) {
	tests := []struct {
		name, src string
		path, at  string
	}{
		{"two locals", "locals {\n  a = local.b\n  b = local.a\n}\n", "local.a -> local.b -> local.a", "main.mlf.hcl:2:7"},
		{"self", "locals {\n  a = local.a\n}\n", "local.a -> local.a", "main.mlf.hcl:2:7"},
		{"entered downstream", "locals {\n  a = local.c\n  c = local.d\n  d = local.c\n}\n", "local.c -> local.d -> local.c", "main.mlf.hcl:3:7"},
		{"least dependency first", "locals {\n  a = [local.c, local.b]\n  b = local.a\n  c = local.a\n}\n", "local.a -> local.b -> local.a", "main.mlf.hcl:2:17"},
		{"across kinds", "variable \"v\" {\n  default = 1\n}\nlocals {\n  x = storage.s.url\n}\nstorage \"s\" {\n  url = \"file://${local.x}\"\n}\n", "local.x -> storage.s -> local.x", "main.mlf.hcl:5:7"},
	}
	// A generated configuration's cycle of 1,000 locals is named by its
	// first 20 steps and its close, not in a 20 KB line.
	long := "locals {\n  a0 = local.a999\n"
	path := "local.a0"
	for i := 1; i < 1000; i++ {
		long += fmt.Sprintf("  a%d = local.a%d\n", i, i-1)
	}
	for i := 999; i > 980; i-- {
		path += fmt.Sprintf(" -> local.a%d", i)
	}
	tests = append(tests, struct{ name, src, path, at string }{"long", long + "}\n", path + " -> … 980 more … -> local.a0", "main.mlf.hcl:2:8"})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{"main.mlf.hcl": tt.src})
			_, diags := Load(dir, LoadOptions{Getenv: noEnv})
			var found int
			for _, d := range diags {
				if d.Summary != "Cycle in references" {
					continue
				}
				found++
				if !strings.Contains(d.Detail, ": "+tt.path+".") {
					t.Errorf("detail = %q, want the path %s", d.Detail, tt.path)
				}
				if d.Subject == nil || !strings.HasSuffix(rangeString(*d.Subject), tt.at) {
					t.Errorf("at %v, want %s", d.Subject, tt.at)
				}
			}
			if found != 1 {
				t.Fatalf("%d cycle diagnostics, want 1: %v", found, diags)
			}
		})
	}
}

// Objects are evaluated in dependency order with ties by address, so when
// two promotions move the same alias the later name is the one refused,
// whether or not an output refers to it.
func TestAliasOwnerByName(t *testing.T) {
	const base = `model "m" {
  train { command = ["t"] }
}
promotion "p1" {
  model = model.m
  alias = "prod"
}
promotion "p2" {
  model = model.m
  alias = "prod"
}
`
	for _, extra := range []string{"", "output \"o\" {\n  value = promotion.p2.version\n}\n"} {
		dir := writeFiles(t, map[string]string{"main.mlf.hcl": base + extra})
		_, diags := Load(dir, LoadOptions{Getenv: noEnv})
		var got []string
		for _, d := range diags {
			if d.Summary == "Alias moved by two promotions" {
				got = append(got, rangeString(*d.Subject)+" "+d.Detail)
			}
		}
		if len(got) != 1 || !strings.Contains(got[0], "main.mlf.hcl:10:") || !strings.Contains(got[0], `promotion "p1"`) {
			t.Errorf("with %q: alias diagnostics %q, want one at p2's alias naming p1", extra, got)
		}
	}
}

// Validations may read other variables (docs/language.md): two that check
// each other (min <= max, max >= min) are no cycle, each failing one is
// reported, and one reading a variable without a valid value is skipped.
func TestValidationsReadEachOther(t *testing.T) {
	const src = `variable "min" {
  type = number
  validation {
    condition     = var.min <= var.max
    error_message = "min must not exceed max."
  }
}
variable "max" {
  type = number
  validation {
    condition     = var.max >= var.min
    error_message = "max must not be below min."
  }
}
`
	dir := writeFiles(t, map[string]string{"main.mlf.hcl": src})
	for _, tt := range []struct {
		vars []string
		want []string
	}{
		{[]string{"min=1", "max=2"}, nil},
		{[]string{"min=3", "max=2"}, []string{"min must not exceed max.", "max must not be below min."}},
		{[]string{"min=3", "max=x"}, []string{"var.max from -var is not suitable for its type constraint"}},
	} {
		_, diags := Load(dir, LoadOptions{Getenv: noEnv, Vars: tt.vars})
		var got []string
		for _, d := range diags {
			got = append(got, d.Summary+": "+d.Detail)
		}
		if len(got) != len(tt.want) {
			t.Errorf("%v: got %d diagnostics, want %d:\n%s", tt.vars, len(got), len(tt.want), strings.Join(got, "\n"))
			continue
		}
		for i, w := range tt.want {
			if !strings.Contains(got[i], w) {
				t.Errorf("%v: diagnostic %d = %q, want %q", tt.vars, i, got[i], w)
			}
		}
	}
}
