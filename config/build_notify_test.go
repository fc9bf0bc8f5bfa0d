package config

import (
	"strings"
	"testing"
)

func TestNotify(t *testing.T) {
	const base = "model \"m\" {\n  train { command = [\"t\"] }\n}\n"
	tests := []struct{ name, src, wantError string }{
		{name: "all events by default", src: `notify "team" { url = "https://hooks.example.com/services/T/B/SECRET" }`},
		{name: "event typo", src: "notify \"team\" {\n  url = \"https://h.example.com/x\"\n  events = [\"promotd\"]\n}", wantError: `Unknown event: events in notify "team": "promotd" is not an event; events are promoted, held, failed, drift, awaiting_approval. Did you mean "promoted"?`},
		{name: "not http", src: `notify "team" { url = "ftp://h.example.com/x" }`, wantError: "must use https:// (or http://), not ftp://"},
		{name: "no host", src: `notify "team" { url = "hooks" }`, wantError: "must be an http:// or https:// URL with a host"},
		{name: "models are references", src: "notify \"team\" {\n  url = \"https://h.example.com/x\"\n  models = [dataset.m]\n}", wantError: "dataset"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{"main.mlf.hcl": base + tt.src + "\n"})
			cfg, diags := Load(dir, LoadOptions{Getenv: noEnv})
			if tt.wantError == "" {
				if len(diags) > 0 {
					t.Fatalf("unexpected diagnostics:\n%s", diagText(diags, cfg))
				}
				n := cfg.Notifications["team"]
				if n == nil || len(n.Events) != 5 || NotifyDisplay(n.URL) != "https://hooks.example.com/…" {
					t.Fatalf("notify = %+v", n)
				}
				return
			}
			var got []string
			for _, d := range diags {
				got = append(got, d.Summary+": "+d.Detail)
			}
			if !diags.HasErrors() || !strings.Contains(strings.Join(got, "\n"), tt.wantError) {
				t.Fatalf("diagnostics:\n%s\nwant %q", strings.Join(got, "\n"), tt.wantError)
			}
		})
	}
}
