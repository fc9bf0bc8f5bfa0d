package config

import (
	"strings"
	"testing"
)

func TestPromotionStage(t *testing.T) {
	const base = `
dataset "d" { source = "data" }
dataset "holdout" { source = "data" }
model "m" {
  datasets = [dataset.d]
  train { command = ["t"] }
  evaluate { command = ["e"] }
}
`
	tests := []struct {
		name, src, wantError string
		wantOnly             bool // wantError is the whole output
		check                func(t *testing.T, c *Config)
	}{
		{
			name: "staging to production with approval",
			src: `promotion "staging" {` + "\n  model = model.m\n  alias = \"staging\"\n}\n" +
				`promotion "prod" {` + "\n  model = model.m\n  alias = \"production\"\n  from = \"staging\"\n  approval = true\n  evaluate_on = [dataset.holdout]\n}\n",
			check: func(t *testing.T, c *Config) {
				p := c.Promotions["prod"]
				if p.From != "staging" || !p.Approval || len(p.EvaluateOn) != 1 || p.EvaluateOn[0] != "holdout" || c.Promotions["staging"].Approval {
					t.Fatalf("promotion = %+v", p)
				}
			},
		},
		{
			name:      "source alias nothing moves, with a suggestion",
			src:       `promotion "staging" {` + "\n  model = model.m\n  alias = \"staging\"\n}\n" + `promotion "prod" {` + "\n  model = model.m\n  alias = \"production\"\n  from = \"stagng\"\n}\n",
			wantError: `main.mlf.hcl:16:10: Unknown source alias: promotion "prod" takes its candidate from alias "stagng" of model.m, but no promotion moves that alias, so it would never point at a version. Did you mean "staging"?`,
		},
		{
			name: "source alias nothing moves, each moved alias listed once",
			src: `promotion "a" {` + "\n  model = model.m\n  alias = \"production\"\n}\n" + `promotion "b" {` + "\n  model = model.m\n  alias = \"production\"\n}\n" +
				`promotion "c" {` + "\n  model = model.m\n  alias = \"canary\"\n  from = \"qqqqqqqqqq\"\n}\n",
			wantError: `no promotion moves that alias, so it would never point at a version. Promotions of model.m move: production.`,
		},
		{
			// The promotion moving "staging" has an error of its own:
			// that error alone is reported, not a missing alias.
			name:      "source alias of a broken promotion",
			src:       `promotion "staging" {` + "\n  model = model.m\n  alias = \"staging\"\n  for_eahc = {}\n}\n" + `promotion "prod" {` + "\n  model = model.m\n  alias = \"production\"\n  from = \"staging\"\n}\n",
			wantError: `main.mlf.hcl:12:3: Unsupported argument: An argument named "for_eahc" is not expected here. Did you mean "for_each"?`,
			wantOnly:  true,
		},
		{
			name:      "from its own alias",
			src:       `promotion "prod" {` + "\n  model = model.m\n  alias = \"production\"\n  from = \"production\"\n}\n",
			wantError: `Invalid from: from in promotion "prod" names the alias the promotion moves`,
		},
		{
			name: "a cycle",
			src: `promotion "a" {` + "\n  model = model.m\n  alias = \"a\"\n  from = \"b\"\n}\n" +
				`promotion "b" {` + "\n  model = model.m\n  alias = \"b\"\n  from = \"a\"\n}\n",
			wantError: `Promotion cycle: promotion "a" takes its candidate from a chain of aliases that leads back to its own: a <- b <- a.`,
		},
		{
			name:      "evaluate_on needs an evaluate step",
			src:       "model \"n\" {\n  train { command = [\"t\"] }\n}\n" + `promotion "p" {` + "\n  model = model.n\n  alias = \"production\"\n  evaluate_on = [dataset.holdout]\n}\n",
			wantError: `main.mlf.hcl:15:17: evaluate_on without an evaluate step: promotion "p" scores candidate and champion on holdout with the evaluate step of model.n, which declares none`,
		},
		{
			name:      "approval is a bool",
			src:       `promotion "p" {` + "\n  model = model.m\n  alias = \"production\"\n  approval = \"yes\"\n}\n",
			wantError: `approval`,
		},
		{
			name:      "evaluate_on names datasets",
			src:       `promotion "p" {` + "\n  model = model.m\n  alias = \"production\"\n  evaluate_on = [model.m]\n}\n",
			wantError: `evaluate_on`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{"main.mlf.hcl": base + tt.src, "data/x": "1"})
			cfg, diags := Load(dir, LoadOptions{Getenv: noEnv})
			if tt.wantError == "" {
				if len(diags) > 0 {
					t.Fatalf("unexpected diagnostics:\n%s", diagText(diags, cfg))
				}
				tt.check(t, cfg)
				return
			}
			if got := diagLines(diags, dir); !diags.HasErrors() || !strings.Contains(got, tt.wantError) || tt.wantOnly && got != tt.wantError {
				t.Fatalf("diagnostics:\n%s\nwant %q", got, tt.wantError)
			}
		})
	}
}
