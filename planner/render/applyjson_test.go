package render

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/mlform/mlform/planner"
	"github.com/mlform/mlform/planner/engine"
)

func TestApplyJSON(t *testing.T) {
	outs := []*planner.OutputResult{{Name: "v", Value: float64(3)}, {Name: "secret", Value: "hunter2", Sensitive: true}}
	tests := []struct {
		name        string
		res         *engine.Result
		interrupted bool
		status      string
		snapshots   int
		errText     string
	}{
		{"nothing to apply", nil, false, ApplyNoChanges, 0, ""},
		{"all ok", result("succeeded", "succeeded", "succeeded"), false, ApplyComplete, 1, ""},
		{"failure keeps successes", result("failed", "skipped", "skipped", "succeeded"), false, ApplyFailed, 1, "boom"},
		{"interrupted", result("succeeded", "not_started"), true, ApplyInterrupted, 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.res != nil {
				tt.res.Interrupted = tt.interrupted
			}
			var b bytes.Buffer
			if err := ApplyJSON(&b, tt.res, outs); err != nil {
				t.Fatal(err)
			}
			if strings.Count(b.String(), "\n") != 1 || !strings.HasSuffix(b.String(), "\n") {
				t.Fatalf("want exactly one line, got %q", b.String())
			}
			if strings.Contains(b.String(), "hunter2") {
				t.Fatalf("sensitive output leaked: %s", b.String())
			}
			var doc struct {
				FormatVersion string         `json:"format_version"`
				Type          string         `json:"type"`
				Status        string         `json:"status"`
				Summary       map[string]int `json:"summary"`
				Actions       []struct {
					Address, Kind, Status, Error string
				} `json:"actions"`
				Outputs []map[string]any `json:"outputs"`
			}
			if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
				t.Fatalf("not JSON: %v: %s", err, b.String())
			}
			if doc.FormatVersion != JSONFormatVersion || doc.Type != "apply" || doc.Status != tt.status {
				t.Errorf("header = %q %q %q, want %q apply %q", doc.FormatVersion, doc.Type, doc.Status, JSONFormatVersion, tt.status)
			}
			if doc.Summary["snapshot"] != tt.snapshots || len(doc.Summary) != len(applyNouns) {
				t.Errorf("summary = %v, want snapshot=%d and every kind", doc.Summary, tt.snapshots)
			}
			if tt.res != nil && len(doc.Actions) != len(tt.res.Actions) {
				t.Errorf("%d actions, want %d", len(doc.Actions), len(tt.res.Actions))
			}
			if tt.errText != "" && (len(doc.Actions) == 0 || doc.Actions[0].Error != tt.errText) {
				t.Errorf("first action error missing: %+v", doc.Actions)
			}
			if len(doc.Outputs) != 2 || doc.Outputs[0]["value"] != float64(3) || doc.Outputs[1]["value"] != nil {
				t.Errorf("outputs = %v", doc.Outputs)
			}
		})
	}
}
