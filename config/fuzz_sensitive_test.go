package config

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlform/mlform/config/diag"
)

// fuzzSecret is the sensitive variable's value in FuzzSensitiveNeverShown.
// Its three pieces are unlikely to be typed by the fuzzer; an input that
// contains one is skipped (the configuration's own text is shown in
// snippets, as it should be).
const fuzzSecret = "qZ7-Xk9_wV2"

func fuzzSecretPieces() []string { return []string{"qz7", "xk9", "wv2"} }

// FuzzSensitiveNeverShown: whatever a configuration does with a sensitive
// variable (given through the environment, -var and a variables file),
// neither the printed diagnostics nor validate -json contain its value or
// any piece of it in any letter case (upper(), split(), substr()...).
func FuzzSensitiveNeverShown(f *testing.F) {
	for _, expr := range []string{
		`tonumber(upper(var.token))`, `trimprefix(var.token, "q")`, `parseint(var.token, 10)`,
		`tobool(var.token)`, `formatdate("YYYY", var.token)`, `timeadd(var.token, "1h")`,
		`file(var.token)`, `{for s in split("-", var.token) : s => 1}`, `{for s in split("", var.token) : "k" => s}`,
		`jsondecode(var.token)`, `{a = 1}[var.token]`, `[1][var.token]`, `var.token.x`,
		`regex("^[0-9]$", lower(var.token))`, `tonumber(substr(var.token, 4, 3))`,
		`templatefile(var.token, {})`, `var.token + 1`, `!var.token`, `"${var.token}" ? 1 : 2`,
		`csvdecode(var.token)`, `element(split("_", var.token), 5)[0]`, `lookup({}, var.token)`,
		`tomap({(var.token) = 1, (var.token) = 2})`, `[for c in var.token : c]`, `format("%d", var.token)`,
	} {
		f.Add("locals {\n  x = " + expr + "\n}\n")
	}
	f.Add("dataset \"d\" { source = \"data/${var.token}\" }\n")
	f.Add("model \"m\" {\n  train { command = [var.token] }\n}\n")
	f.Add("output \"o\" { value = upper(var.token) }\n")
	workspace := fuzzWorkspace(f)
	vars := filepath.Join(f.TempDir(), "secret.vars")
	if err := os.WriteFile(vars, []byte("token = \""+fuzzSecret+"\"\n"), 0o644); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body string) {
		low := strings.ToLower(body)
		for _, p := range fuzzSecretPieces() {
			if strings.Contains(low, p) {
				t.Skip("the input itself holds a piece of the secret")
			}
		}
		src := "variable \"token\" {\n  type      = string\n  sensitive = true\n}\n" + body
		dir := workspace(t, map[string]string{"main.mlf.hcl": src})
		env := func(k string) string {
			if k == EnvVarPrefix+"token" {
				return fuzzSecret
			}
			return ""
		}
		for _, opts := range []LoadOptions{
			{Getenv: env},
			{Getenv: noEnv, Vars: []string{"token=" + fuzzSecret}},
			{Getenv: noEnv, VarFiles: []string{vars}},
		} {
			cfg, diags := Load(dir, opts)
			var out bytes.Buffer
			if err := diag.Write(&out, diags, cfg.Files, false); err != nil {
				t.Fatal(err)
			}
			js, err := json.Marshal(diag.NewValidateJSON(diags, cfg.Files))
			if err != nil {
				t.Fatal(err)
			}
			out.Write(js)
			shown := strings.ToLower(out.String())
			for _, p := range fuzzSecretPieces() {
				if strings.Contains(shown, p) {
					t.Fatalf("diagnostics show %q from the sensitive value:\n%s", p, out.String())
				}
			}
		}
	})
}
