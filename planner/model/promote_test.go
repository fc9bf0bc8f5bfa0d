package model

import (
	"reflect"
	"testing"

	"github.com/mlform/mlform/planner/policy"
	"github.com/mlform/mlform/state"
)

// A promotion's notification carries the numbers it compared, the
// champion's beside the candidate's, and what measured them: never
// train-step numbers passed off as evaluations, or a mix.
func TestComparedMetrics(t *testing.T) {
	v1 := &state.Version{Version: 1, Status: state.StatusSucceeded, Metrics: map[string]float64{"accuracy": 0.8}}
	v2 := &state.Version{Version: 2, Status: state.StatusSucceeded, Metrics: map[string]float64{"accuracy": 0.81}}
	v3 := &state.Version{Version: 3, Status: state.StatusFailed}
	evaluated := map[string]float64{"accuracy": 0.76}
	tests := []struct {
		name        string
		c           comparison
		version     int
		cand, champ map[string]float64
		source      string
	}{
		{name: "scored by the evaluate step: both evaluations",
			c:       comparison{Where: "v2's training data", In: policy.PromotionInput{Current: 1, Versions: []*state.Version{v1, v2}, CandidateMetrics: evaluated, ChampionMetrics: v1.Metrics}},
			version: 2, cand: evaluated, champ: v1.Metrics, source: "evaluate step on v2's training data"},
		{name: "no evaluate step: both train-step metrics, labelled",
			c:       comparison{In: policy.PromotionInput{Current: 1, Versions: []*state.Version{v1, v2}}},
			version: 2, cand: v2.Metrics, champ: v1.Metrics, source: "train step"},
		{name: "no champion yet",
			c:       comparison{In: policy.PromotionInput{Versions: []*state.Version{v1}}},
			version: 1, cand: v1.Metrics, source: "train step"},
		{name: "a candidate without metrics: nothing to label",
			c:       comparison{In: policy.PromotionInput{Current: 1, Versions: []*state.Version{v1, v3}}},
			version: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cand, champ, source := comparedMetrics(tt.c, tt.version)
			if !reflect.DeepEqual(cand, tt.cand) || !reflect.DeepEqual(champ, tt.champ) || source != tt.source {
				t.Fatalf("comparedMetrics = %v, %v, %q; want %v, %v, %q", cand, champ, source, tt.cand, tt.champ, tt.source)
			}
		})
	}
}
