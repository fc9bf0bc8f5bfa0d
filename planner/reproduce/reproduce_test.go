package reproduce

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/mlform/mlform/state"
)

// matchSummary writes compared items as "name:match" in order, space
// separated ("a:true b:false"), so a case states its whole result.
func matchSummary[M any](ms []M, show func(M) (string, bool)) string {
	parts := make([]string, 0, len(ms))
	for _, m := range ms {
		name, match := show(m)
		parts = append(parts, name+":"+strconv.FormatBool(match))
	}
	return strings.Join(parts, " ")
}

func TestCompareFiles(t *testing.T) {
	tests := []struct {
		name          string
		recorded, got map[string]string
		want          string // path:match, in order
	}{
		{"identical", map[string]string{"a": "1", "b": "2"}, map[string]string{"a": "1", "b": "2"}, "a:true b:true"},
		{"changed", map[string]string{"a": "1"}, map[string]string{"a": "9"}, "a:false"},
		{"missing and extra", map[string]string{"a": "1"}, map[string]string{"b": "1"}, "a:false b:false"},
		{"nothing on either side", nil, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := compareFiles(tt.recorded, tt.got)
			if s := matchSummary(got, func(m FileMatch) (string, bool) { return m.Path, m.Match }); s != tt.want {
				t.Errorf("compareFiles = %q, want %q", s, tt.want)
			}
		})
	}
}

func TestCompareMetrics(t *testing.T) {
	tests := []struct {
		name          string
		recorded, got map[string]float64
		want          string
	}{
		{"equal", map[string]float64{"auc": 0.8}, map[string]float64{"auc": 0.8}, "auc:true"},
		{"differs in the last digit", map[string]float64{"auc": 0.8}, map[string]float64{"auc": 0.8000000001}, "auc:false"},
		{"absent on one side", map[string]float64{"auc": 0.8}, map[string]float64{"loss": 0.1}, "auc:false loss:false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := compareMetrics(tt.recorded, tt.got)
			if s := matchSummary(got, func(m MetricMatch) (string, bool) { return m.Name, m.Match }); s != tt.want {
				t.Errorf("compareMetrics = %q, want %q", s, tt.want)
			}
		})
	}
}

func TestCheckRefuses(t *testing.T) {
	st := &state.State{Models: map[string]*state.Model{"churn": {Name: "churn", Versions: []*state.Version{
		{Version: 1, Status: state.StatusFailed},
		{Version: 4, Status: state.StatusTimedOut},
		{Version: 2, Status: state.StatusSucceeded, ArtifactsID: "a2", Inputs: state.Inputs{CodeFiles: 3}},
		{Version: 3, Status: state.StatusSucceeded, ArtifactsID: "a3", CodeID: "c3", Inputs: state.Inputs{CodeFiles: 3}},
	}}}}
	tests := []struct {
		addr string
		opts Options
		want string // "" for accepted
		is   error
	}{
		{"model.churn@1", Options{}, "model.churn v1 failed: only a succeeded version with recorded artifacts can be reproduced", nil},
		{"model.churn@4", Options{}, "model.churn v4 timed out: only a succeeded", nil},
		{"model.churn@2", Options{}, "run reproduce -current-code", ErrNoCodeArchive},
		{"model.churn@2", Options{CurrentCode: true}, "", nil},
		{"model.churn@3", Options{}, "", nil},
		{"model.churn@5", Options{}, "no version 5", nil},
		{"model.churn", Options{}, "names no version", nil},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			_, _, err := check(st, tt.addr, tt.opts)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("error = %v, want %q", err, tt.want)
			case tt.is != nil && !errors.Is(err, tt.is):
				t.Fatalf("error = %v, not %v", err, tt.is)
			}
		})
	}
}
