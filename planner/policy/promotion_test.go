package policy

import (
	"errors"
	"strings"
	"testing"

	"github.com/mlform/mlform/state"
)

func metricsVersion(n int, status string, m map[string]float64) *state.Version {
	return &state.Version{Version: n, Status: status, Metrics: m}
}

// gateMin is a gate "candidate.metrics[metric] >= min".
func gateMin(metric string, min float64, msg string) Gate {
	return Gate{ErrorMessage: msg, Eval: func(c, _ map[string]float64) (bool, error) {
		v, ok := c[metric]
		if !ok {
			return false, errors.New("candidate.metrics." + metric + " is not set")
		}
		return v >= min, nil
	}}
}

func TestDecidePromotion(t *testing.T) {
	v1 := metricsVersion(1, state.StatusSucceeded, map[string]float64{"accuracy": 0.87, "loss": 0.3})
	v2 := metricsVersion(2, state.StatusSucceeded, map[string]float64{"accuracy": 0.91, "loss": 0.35})
	v3 := metricsVersion(3, state.StatusFailed, nil)
	v4low := metricsVersion(4, state.StatusSucceeded, map[string]float64{"accuracy": 0.80})
	all := []*state.Version{v1, v2, v3}
	floor := gateMin("accuracy", 0.85, "accuracy below the floor")
	higher := &MustBeat{Metric: "accuracy", Direction: Higher}

	tests := []struct {
		name     string
		in       PromotionInput
		outcome  string
		from, to int
		reason   string
		failures []string
		note     string
		err      string
	}{
		{
			name:    "first promotion",
			in:      PromotionInput{Alias: "production", Versions: []*state.Version{v1}, Gates: []Gate{floor}, MustBeat: higher},
			outcome: PromoteMove, to: 1, reason: "candidate: v1 passes 1 gate and has no champion to beat on accuracy (alias production is new)",
		},
		{
			name:    "up to date",
			in:      PromotionInput{Alias: "production", Current: 2, Versions: all, Gates: []Gate{floor}},
			outcome: PromoteNone, from: 2,
		},
		{
			name:    "candidate beats champion",
			in:      PromotionInput{Alias: "production", Current: 1, Versions: all, Gates: []Gate{floor}, MustBeat: higher},
			outcome: PromoteMove, from: 1, to: 2, reason: "candidate: v2 passes 1 gate and beats v1 on accuracy (0.91 vs 0.87)",
		},
		{
			name:    "must_beat lower, candidate worse",
			in:      PromotionInput{Alias: "production", Current: 1, Versions: all, MustBeat: &MustBeat{Metric: "loss", Direction: Lower}},
			outcome: PromoteHeld, from: 1, to: 2,
			failures: []string{"must_beat: loss of v2 is 0.35, v1 has 0.3; must be lower"},
		},
		{
			name:    "must_beat min_delta not reached",
			in:      PromotionInput{Alias: "production", Current: 1, Versions: all, MustBeat: &MustBeat{Metric: "accuracy", Direction: Higher, MinDelta: 0.05}},
			outcome: PromoteHeld, from: 1, to: 2,
			failures: []string{"must_beat: accuracy of v2 is 0.91, v1 has 0.87; must be higher by at least 0.05"},
		},
		{
			name: "must_beat lower by exactly min_delta as written passes",
			in: PromotionInput{Alias: "production", Current: 1, Versions: []*state.Version{metricsVersion(1, state.StatusSucceeded, map[string]float64{"loss": 0.5}),
				metricsVersion(2, state.StatusSucceeded, map[string]float64{"loss": 0.45})}, MustBeat: &MustBeat{Metric: "loss", Direction: Lower, MinDelta: 0.05}},
			outcome: PromoteMove, from: 1, to: 2, reason: "candidate: v2 beats v1 on loss (0.45 vs 0.5)",
		},
		{
			name: "must_beat higher by exactly min_delta as written passes",
			in: PromotionInput{Alias: "production", Current: 1, Versions: []*state.Version{metricsVersion(1, state.StatusSucceeded, map[string]float64{"accuracy": 0.7}),
				metricsVersion(2, state.StatusSucceeded, map[string]float64{"accuracy": 0.8})}, MustBeat: &MustBeat{Metric: "accuracy", Direction: Higher, MinDelta: 0.1}},
			outcome: PromoteMove, from: 1, to: 2, reason: "candidate: v2 beats v1 on accuracy (0.8 vs 0.7)",
		},
		{
			name: "must_beat just short of min_delta is held",
			in: PromotionInput{Alias: "production", Current: 1, Versions: []*state.Version{metricsVersion(1, state.StatusSucceeded, map[string]float64{"loss": 0.5}),
				metricsVersion(2, state.StatusSucceeded, map[string]float64{"loss": 0.4500001})}, MustBeat: &MustBeat{Metric: "loss", Direction: Lower, MinDelta: 0.05}},
			outcome: PromoteHeld, from: 1, to: 2,
			failures: []string{"must_beat: loss of v2 is 0.4500001, v1 has 0.5; must be lower by at least 0.05"},
		},
		{
			// A large metric (rows served, revenue) is compared as
			// exactly as a small one: 0.5 more is not at least 1 more.
			name: "must_beat on a large metric short of min_delta is held",
			in: PromotionInput{Alias: "production", Current: 1, Versions: []*state.Version{metricsVersion(1, state.StatusSucceeded, map[string]float64{"revenue": 1e12}),
				metricsVersion(2, state.StatusSucceeded, map[string]float64{"revenue": 1e12 + 0.5})}, MustBeat: &MustBeat{Metric: "revenue", Direction: Higher, MinDelta: 1}},
			outcome: PromoteHeld, from: 1, to: 2,
			failures: []string{"must_beat: revenue of v2 is 1.0000000000005e+12, v1 has 1e+12; must be higher by at least 1"},
		},
		{
			name: "must_beat on a large metric by exactly min_delta passes",
			in: PromotionInput{Alias: "production", Current: 1, Versions: []*state.Version{metricsVersion(1, state.StatusSucceeded, map[string]float64{"revenue": 1e12}),
				metricsVersion(2, state.StatusSucceeded, map[string]float64{"revenue": 1e12 + 1})}, MustBeat: &MustBeat{Metric: "revenue", Direction: Higher, MinDelta: 1}},
			outcome: PromoteMove, from: 1, to: 2, reason: "candidate: v2 beats v1 on revenue (1.000000000001e+12 vs 1e+12)",
		},
		{
			name: "must_beat across the float range",
			in: PromotionInput{Alias: "production", Current: 1, Versions: []*state.Version{metricsVersion(1, state.StatusSucceeded, map[string]float64{"score": -1.7e308}),
				metricsVersion(2, state.StatusSucceeded, map[string]float64{"score": 1.7e308})}, MustBeat: &MustBeat{Metric: "score", Direction: Higher, MinDelta: 1e308}},
			outcome: PromoteMove, from: 1, to: 2, reason: "candidate: v2 beats v1 on score (1.7e+308 vs -1.7e+308)",
		},
		{
			name:    "no gates, no must_beat",
			in:      PromotionInput{Alias: "production", Current: 1, Versions: all},
			outcome: PromoteMove, from: 1, to: 2, reason: "candidate: v2 has no gates",
		},
		{
			name:    "equal is not beating",
			in:      PromotionInput{Alias: "production", Current: 1, Versions: []*state.Version{v1, metricsVersion(2, state.StatusSucceeded, map[string]float64{"accuracy": 0.87})}, MustBeat: higher},
			outcome: PromoteHeld, from: 1, to: 2,
		},
		{
			name:    "champion metrics on current data override recorded ones",
			in:      PromotionInput{Alias: "production", Current: 1, Versions: all, MustBeat: higher, ChampionMetrics: map[string]float64{"accuracy": 0.95}},
			outcome: PromoteHeld, from: 1, to: 2,
			failures: []string{"must_beat: accuracy of v2 is 0.91, v1 has 0.95; must be higher"},
		},
		{
			name:    "failing gate holds with its message, every failure listed",
			in:      PromotionInput{Alias: "production", Current: 2, Versions: []*state.Version{v1, v2, v4low}, Gates: []Gate{floor, gateMin("f1", 0.5, "")}, MustBeat: higher},
			outcome: PromoteHeld, from: 2, to: 4,
			failures: []string{"accuracy below the floor", "gate 2 could not be evaluated: candidate.metrics.f1 is not set", "must_beat: accuracy of v4 is 0.8, v2 has 0.91; must be higher"},
			reason:   "candidate: v4 held: accuracy below the floor; gate 2",
		},
		{
			name:    "an error_message's full stop does not run into the next failure",
			in:      PromotionInput{Alias: "production", Current: 2, Versions: []*state.Version{v1, v2, v4low}, Gates: []Gate{gateMin("accuracy", 0.85, "Accuracy below the floor.")}, MustBeat: higher},
			outcome: PromoteHeld, from: 2, to: 4,
			failures: []string{"Accuracy below the floor", "must_beat: accuracy of v4 is 0.8, v2 has 0.91; must be higher"},
			reason:   "candidate: v4 held: Accuracy below the floor; must_beat: accuracy of v4 is 0.8",
		},
		{
			name:    "failed latest attempt is not a candidate",
			in:      PromotionInput{Alias: "production", Current: 2, Versions: all},
			outcome: PromoteNone, from: 2,
		},
		{
			name:    "candidate reports no must_beat metric",
			in:      PromotionInput{Alias: "production", Current: 1, Versions: []*state.Version{v1, metricsVersion(2, state.StatusSucceeded, map[string]float64{})}, MustBeat: higher},
			outcome: PromoteHeld, failures: []string{"must_beat: v2 reports no accuracy"}, from: 1, to: 2,
		},
		{
			name:    "champion reports no must_beat metric",
			in:      PromotionInput{Alias: "production", Current: 1, Versions: []*state.Version{metricsVersion(1, state.StatusSucceeded, nil), v2}, MustBeat: higher},
			outcome: PromoteHeld, failures: []string{"must_beat: champion v1 reports no accuracy to compare with"}, from: 1, to: 2,
		},
		{
			name:    "no succeeded version",
			in:      PromotionInput{Model: "churn", Alias: "production", Versions: []*state.Version{v3}},
			outcome: PromoteNone, note: "model.churn has no succeeded version to promote",
		},
		{
			name:    "train planned: known after apply",
			in:      PromotionInput{Alias: "production", Current: 5, PlannedVersion: 6, Versions: all, Gates: []Gate{floor, floor}, MustBeat: higher},
			outcome: PromotePending, from: 5, reason: "candidate: alias production moves if v6 passes 2 gates and beats v5 on accuracy",
		},
		{
			name:    "train planned, no conditions",
			in:      PromotionInput{Alias: "staging", PlannedVersion: 1},
			outcome: PromotePending, reason: "candidate: alias staging moves to v1 once it is trained",
		},
		{
			name:    "train planned, approval: the alias waits for it",
			in:      PromotionInput{Alias: "production", Current: 2, PlannedVersion: 5, Versions: all, Approval: true},
			outcome: PromotePending, from: 2, reason: "candidate: alias production moves to v5 once it is trained, then waits for an approval",
		},
		{
			name:    "train planned with gates, approval",
			in:      PromotionInput{Alias: "production", Current: 5, PlannedVersion: 6, Versions: all, Gates: []Gate{floor}, Approval: true},
			outcome: PromotePending, from: 5, reason: "candidate: alias production moves if v6 passes 1 gate, then waits for an approval",
		},
		{
			name:    "pin rolls back without gates",
			in:      PromotionInput{Alias: "production", Current: 2, Pinned: 1, Versions: all, Gates: []Gate{gateMin("accuracy", 0.99, "never")}, PlannedVersion: 4},
			outcome: PromoteMove, from: 2, to: 1, reason: "pinned: pinned by version = 1 (rollback from v2); gates do not apply to a pin",
		},
		{
			name:    "a pin needs no approval: the reviewed line is the decision",
			in:      PromotionInput{Alias: "production", Current: 2, Pinned: 1, Versions: all, Approval: true},
			outcome: PromoteMove, from: 2, to: 1, reason: "pinned: pinned by version = 1 (rollback from v2); gates do not apply to a pin",
		},
		{
			name:    "pin already in place",
			in:      PromotionInput{Alias: "production", Current: 1, Pinned: 1, Versions: all},
			outcome: PromoteNone, from: 1,
		},
		{
			name: "pin to a missing version",
			in:   PromotionInput{Promotion: "churn_production", Model: "churn", Alias: "production", Pinned: 9, Versions: all},
			err:  "promotion.churn_production: version = 9: model.churn has no version 9 (succeeded: v1, v2)",
		},
		{
			name: "pin to a failed version",
			in:   PromotionInput{Promotion: "p", Model: "churn", Pinned: 3, Versions: all},
			err:  "promotion.p: version = 3: v3 failed; only a succeeded version can be promoted (succeeded: v1, v2)",
		},
		{
			name: "identical artifacts are no better, whatever the numbers",
			in: PromotionInput{Alias: "production", Current: 1, MustBeat: higher, Versions: []*state.Version{
				{Version: 1, Status: state.StatusSucceeded, ArtifactsID: "aa", Metrics: map[string]float64{"accuracy": 0.77}},
				{Version: 2, Status: state.StatusSucceeded, ArtifactsID: "aa", Metrics: map[string]float64{"accuracy": 0.79}}}},
			outcome: PromoteHeld, from: 1, to: 2, failures: []string{"no better than v1: its artifacts are identical"},
		},
		{
			name: "candidate scored like the champion, both numbers labelled",
			in: PromotionInput{Alias: "production", Current: 1, Versions: all, MustBeat: higher,
				CandidateMetrics: map[string]float64{"accuracy": 0.8}, ChampionMetrics: map[string]float64{"accuracy": 0.85}, Yardstick: "both scored by the evaluate step on v2's training data"},
			outcome: PromoteHeld, from: 1, to: 2,
			failures: []string{"must_beat: accuracy of v2 is 0.8, v1 has 0.85 (both scored by the evaluate step on v2's training data); must be higher"},
		},
		{
			name: "gates read the candidate's evaluation, not its train-step metrics",
			in: PromotionInput{Alias: "production", Versions: []*state.Version{v2}, Gates: []Gate{floor},
				CandidateMetrics: map[string]float64{"accuracy": 0.6}},
			outcome: PromoteHeld, to: 2, failures: []string{"accuracy below the floor"},
		},
		{
			name:    "candidate from another alias",
			in:      PromotionInput{Alias: "production", Current: 1, Candidate: 1, Source: "alias staging", Versions: all},
			outcome: PromoteNone, from: 1,
		},
		{
			name:    "candidate from another alias moves, not the latest version",
			in:      PromotionInput{Alias: "production", Candidate: 1, Source: "alias staging", Versions: all, Gates: []Gate{floor}},
			outcome: PromoteMove, to: 1, reason: "candidate: v1 (from alias staging) passes 1 gate",
		},
		{
			name:    "source alias unset",
			in:      PromotionInput{Model: "churn", Alias: "production", Source: "alias staging", Versions: all},
			outcome: PromoteNone, note: "alias staging of model.churn does not point at a version yet",
		},
		{
			name:    "passing candidate awaits approval",
			in:      PromotionInput{Promotion: "prod", Alias: "production", Current: 1, Versions: all, MustBeat: higher, Approval: true},
			outcome: PromoteAwaiting, from: 1, to: 2, reason: "candidate: v2 beats v1 on accuracy (0.91 vs 0.87); awaiting approval (mlform approve promotion.prod v2)",
		},
		{
			name:    "approved candidate moves",
			in:      PromotionInput{Promotion: "prod", Alias: "production", Current: 1, Versions: all, Approval: true, Approved: "ann@host at 2026-01-05 12:00:00Z"},
			outcome: PromoteMove, from: 1, to: 2, reason: "candidate: v2 has no gates; approved by ann@host at 2026-01-05 12:00:00Z",
		},
		{
			name:    "an approval does not lift a failing gate",
			in:      PromotionInput{Alias: "production", Current: 2, Versions: []*state.Version{v1, v2, v4low}, Gates: []Gate{floor}, Approval: true, Approved: "ann@host"},
			outcome: PromoteHeld, from: 2, to: 4, failures: []string{"accuracy below the floor"},
		},
		{
			name: "negative pin",
			in:   PromotionInput{Promotion: "p", Pinned: -1},
			err:  "promotion.p: version = -1: versions start at 1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := DecidePromotion(tt.in)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("error = %v\nwant %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d.Outcome != tt.outcome || d.From != tt.from || d.To != tt.to {
				t.Fatalf("got %s v%d -> v%d (%+v), want %s v%d -> v%d", d.Outcome, d.From, d.To, d, tt.outcome, tt.from, tt.to)
			}
			if tt.reason != "" {
				if len(d.Reasons) == 0 || !strings.HasPrefix(d.Reasons[0].Code+": "+d.Reasons[0].Message, tt.reason) {
					t.Errorf("reasons %+v, want prefix %q", d.Reasons, tt.reason)
				}
			}
			if (d.Outcome == PromoteMove || d.Outcome == PromoteHeld || d.Outcome == PromotePending) && len(d.Reasons) == 0 {
				t.Error("an action without a reason")
			}
			if tt.failures != nil && strings.Join(d.Failures, "|") != strings.Join(tt.failures, "|") {
				t.Errorf("failures:\n got %q\nwant %q", d.Failures, tt.failures)
			}
			if d.Note != tt.note {
				t.Errorf("note %q, want %q", d.Note, tt.note)
			}
		})
	}
}
