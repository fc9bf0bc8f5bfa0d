package config

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
)

func TestRetentionBlock(t *testing.T) {
	const model = "model \"m\" {\n  train { command = [\"t\"] }\n%s}\n"
	const dataset = "dataset \"d\" {\n  source = \"x\"\n%s}\n"
	for _, tc := range []struct {
		name, src string
		want      *Retention // for a dataset and a model with the same block
		at, err   string     // error position "line:col" and text
	}{
		{"none", "", nil, "", ""},
		{"both", "  retention {\n    keep_last = 5\n    keep_within = \"90d\"\n  }\n", &Retention{KeepLast: 5, KeepWithin: 90 * 24 * time.Hour}, "", ""},
		{"last only", "  retention { keep_last = 1 }\n", &Retention{KeepLast: 1}, "", ""},
		{"within only", "  retention { keep_within = \"36h\" }\n", &Retention{KeepWithin: 36 * time.Hour}, "", ""},
		{"empty", "  retention {}\n", nil, "3:3", "sets neither keep_last nor keep_within"},
		{"zero last", "  retention { keep_last = 0 }\n", nil, "3:27", "must be at least 1, not 0"},
		{"fraction", "  retention { keep_last = 2.5 }\n", nil, "3:27", "must be a whole number"},
		{"bad within", "  retention { keep_within = \"ninety days\" }\n", nil, "3:29", "Invalid duration"},
		{"zero within", "  retention { keep_within = \"0d\" }\n", nil, "3:29", "must be positive"},
		{"unknown attr", "  retention { keep = 3 }\n", nil, "3:15", "not expected here"},
		{"twice", "  retention { keep_last = 1 }\n  retention { keep_last = 2 }\n", nil, "4:3", "retention"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, kind := range []string{"dataset", "model"} {
				src := strings.Replace(dataset, "%s", tc.src, 1)
				if kind == "model" {
					src = strings.Replace(model, "%s", tc.src, 1)
				}
				dir := writeFiles(t, map[string]string{"main.mlf.hcl": src})
				cfg, diags := Load(dir, LoadOptions{Getenv: noEnv})
				if tc.err != "" {
					text := diagText(diags, cfg)
					wantErr := tc.err
					if kind == "model" {
						wantErr = strings.ReplaceAll(wantErr, "dataset.d", "model.m")
					}
					if !strings.Contains(text, wantErr) {
						t.Fatalf("%s: diagnostics do not mention %q:\n%s", kind, wantErr, text)
					}
					pos := filepath.Join(dir, "main.mlf.hcl") + ":" + tc.at
					found := false
					for _, d := range diags.Errs() {
						hd := d.(*hcl.Diagnostic)
						found = found || (hd.Subject != nil && rangeString(*hd.Subject) == pos)
					}
					if !found {
						t.Errorf("%s: no error at %s:\n%s", kind, pos, text)
					}
					continue
				}
				if len(diags) > 0 {
					t.Fatalf("%s: %s", kind, diagText(diags, cfg))
				}
				var got *Retention
				if kind == "model" {
					got = cfg.Models["m"].Retention
				} else {
					got = cfg.Datasets["d"].Retention
				}
				if (got == nil) != (tc.want == nil) || (got != nil && (got.KeepLast != tc.want.KeepLast || got.KeepWithin != tc.want.KeepWithin)) {
					t.Errorf("%s: Retention = %+v, want %+v", kind, got, tc.want)
				}
			}
		})
	}
}
