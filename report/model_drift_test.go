package report

import (
	"strings"
	"testing"
	"time"

	"github.com/mlform/mlform/config"
	"github.com/mlform/mlform/planner/profile"
	"github.com/mlform/mlform/state"
)

func TestDriftSinceTrain(t *testing.T) {
	prof := func(drifted bool) *profile.Profile {
		p, err := profile.CSV(strings.NewReader(genCSV(600, drifted)), "part.csv", []string{"tenure", "plan"})
		must(t, err)
		return p
	}
	base, drifted := prof(false), prof(true)
	at := time.Date(2026, 1, 7, 12, 0, 0, 0, time.UTC)
	snap := func(id string, p *profile.Profile) *snapView {
		return &snapView{ID: id, Short: short(id, 12), CreatedAt: at, profile: p}
	}
	policy := func(method string, threshold float64) *config.Config {
		return &config.Config{RetrainPolicies: map[string]*config.RetrainPolicy{
			"p": {Name: "p", Models: []string{"churn"}, Drift: &config.Drift{Method: method, Threshold: threshold}}}}
	}
	tests := []struct {
		name    string
		current *snapView
		cfg     *config.Config
		want    string // rendered: note, or "PSI column alert trigger"
	}{
		{"no new data", snap("a1", base), nil, "note: no new data: v2 trained on the current snapshot"},
		{"drifted, no trigger: the usual 0.2", snap("a2", drifted), nil, "psi>0.2 tenure alert=true trigger="},
		{"drifted past a psi trigger", snap("a2", drifted), policy("psi", 0.5), "psi>0.5 tenure alert=true trigger=psi > 0.5"},
		{"drifted under a high psi trigger", snap("a2", drifted), policy("psi", 100), "psi>100 tenure alert=false trigger=psi > 100"},
		{"same data, new snapshot", snap("a3", base), policy("psi", 0.2), "psi>0.2 alert=false trigger=psi > 0.2"},
		{"no profile", snap("a4", nil), nil, "note: not measured: a snapshot has no stored profile"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := &state.State{Models: map[string]*state.Model{"churn": {Name: "churn", Versions: []*state.Version{
				{Version: 2, Status: state.StatusSucceeded, Inputs: state.Inputs{Snapshots: map[string]string{"churn": "a1"}}}}}}}
			dv := &datasetView{Name: "churn", Snapshots: []*snapView{snap("a1", base)}}
			if tt.current.ID != "a1" {
				dv.Snapshots = append(dv.Snapshots, tt.current)
			}
			dv.Current = dv.Snapshots[len(dv.Snapshots)-1]
			mv := &modelView{Name: "churn", LastTrain: &versionView{Version: 2}}
			got := driftSinceTrain(st, mv, map[string]*datasetView{"churn": dv}, tt.cfg)
			if len(got) != 1 {
				t.Fatalf("got %d checks, want 1", len(got))
			}
			d := got[0]
			if strings.HasPrefix(tt.want, "note: ") {
				if !strings.Contains(d.Note, strings.TrimPrefix(tt.want, "note: ")) {
					t.Errorf("note = %q, want %q", d.Note, tt.want)
				}
				return
			}
			if d.Note != "" || d.MaxPSI == "" {
				t.Fatalf("not measured: %+v", d)
			}
			if !strings.Contains(tt.want, "alert="+map[bool]string{true: "true", false: "false"}[d.Alert]) ||
				!strings.HasSuffix(tt.want, "trigger="+d.Trigger) ||
				(strings.Contains(tt.want, "tenure") && d.Column != "tenure") {
				t.Errorf("check = %+v (max PSI %s), want %s", d, d.MaxPSI, tt.want)
			}
		})
	}
}
