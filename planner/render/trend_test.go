package render

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/mlform/mlform/internal/wanttext"
	"github.com/mlform/mlform/planner/plans"
	"github.com/mlform/mlform/state"
)

// trendState records model churn's versions: v1-v3 and v5 succeeded with
// metrics, v4 failed (no point), production at v5.
func trendState(metrics ...map[string]float64) *state.State {
	return trendStateNamed("churn", metrics...)
}

// trendStateNamed is trendState for a model of another name (an instance
// or a model inside a module).
func trendStateNamed(name string, metrics ...map[string]float64) *state.State {
	st := state.New()
	m := st.EnsureModel(name)
	for i, ms := range metrics {
		v := &state.Version{Version: i + 1, Status: state.StatusSucceeded, Metrics: ms}
		if ms == nil {
			v.Status = state.StatusFailed
		}
		m.Versions = append(m.Versions, v)
	}
	m.Aliases["production"] = &state.Alias{Name: "production", Version: len(metrics)}
	return st
}

func TestMarkdownTrendGolden(t *testing.T) {
	st := trendState(
		map[string]float64{"accuracy": 0.85, "loss": 0.45},
		map[string]float64{"accuracy": 0.88, "loss": 0.42},
		map[string]float64{"accuracy": 0.81, "loss": 0.5},
		nil,
		map[string]float64{"accuracy": 0.9, "loss": 0.4},
	)
	var m bytes.Buffer
	if err := Markdown(&m, fixtures()["full"], Options{State: st}); err != nil {
		t.Fatal(err)
	}
	golden(t, "full_trend.md", m.Bytes())
}

func TestMarkdownTrend(t *testing.T) {
	many := make([]map[string]float64, 25)
	for i := range many {
		many[i] = map[string]float64{"accuracy": float64(i) / 100}
	}
	tests := []struct {
		name    string
		st      *state.State
		want    []string
		notWant []string
	}{
		{"no state", nil, nil, []string{"mermaid"}},
		{"one point is no trend", trendState(map[string]float64{"accuracy": 0.8}), nil, []string{"mermaid"}},
		{"must_beat metric first", trendState(map[string]float64{"accuracy": 0.8, "auc": 0.7}, map[string]float64{"accuracy": 0.9, "auc": 0.6}),
			[]string{"    line [0.8, 0.9]\n", `y-axis "accuracy" 0.79 --> 0.91`}, nil},
		{"metric trigger's metric without must_beat", trendState(map[string]float64{"accuracy": 0.8, "auc": 0.7}, map[string]float64{"accuracy": 0.9, "auc": 0.6}),
			[]string{`title "model.churn auc"`}, nil},
		{"last 20 versions", trendState(many...),
			[]string{"x-axis [v6, v7,", "v25]", "last 20 succeeded versions"}, []string{"v5,"}},
		{"flat values still get an axis", trendState(map[string]float64{"accuracy": 0}, map[string]float64{"accuracy": 0}),
			[]string{`y-axis "accuracy" -1 --> 1`}, nil},
		{"hostile metric name", trendState(map[string]float64{"a\"]\n```<q>": 1}, map[string]float64{"a\"]\n```<q>": 2}),
			[]string{`title "model.churn a_______q_"`}, []string{"<q>", "\"]\n"}},
		{"instance and module addresses keep mermaid's quotes whole", trendStateNamed(`module.region["eu"].churn`, map[string]float64{"accuracy": 0.8}, map[string]float64{"accuracy": 0.9}),
			[]string{`title "module.region['eu'].model.churn accuracy"`}, []string{`["eu"].model.churn accuracy"`}},
		// A model renamed by moved blocks in this plan: its actions name
		// the new address, the state read before apply the old one.
		{"moved model keeps its trend", trendStateNamed("old", map[string]float64{"accuracy": 0.8}, map[string]float64{"accuracy": 0.9}),
			[]string{"**Metric trend of `model.churn`**", `title "model.churn accuracy"`, "    line [0.8, 0.9]\n"}, []string{"trend of `model.old`", `title "model.old`}},
		// Any finite float64 is a metric: a span wider than float64
		// holds must not make the axis "-Inf --> +Inf" (mermaid
		// refuses the chart).
		{"values at float64's ends", trendState(map[string]float64{"accuracy": -math.MaxFloat64}, map[string]float64{"accuracy": math.MaxFloat64}),
			[]string{`y-axis "accuracy" -179769313486231570`}, []string{"Inf", "NaN"}},
		{"one end, flat", trendState(map[string]float64{"accuracy": math.MaxFloat64}, map[string]float64{"accuracy": math.MaxFloat64}),
			nil, []string{"Inf", "NaN"}},
		{"tiny numbers without exponent", trendState(map[string]float64{"accuracy": 1e-7}, map[string]float64{"accuracy": 2e-7}),
			[]string{"line [0.0000001, 0.0000002]"}, []string{"e-0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			p := fixtures()["full"]
			if strings.HasPrefix(tt.name, "instance") {
				for _, a := range p.Actions {
					if a.Train != nil {
						a.Train.Model = `module.region["eu"].churn`
					}
					if a.Promote != nil {
						a.Promote.Model = `module.region["eu"].churn`
					}
				}
			}
			if strings.HasPrefix(tt.name, "moved") {
				p.Moves = []*plans.Move{{From: "model.old", To: "model.mid"}, {From: "model.mid", To: "model.churn"}}
			}
			if strings.HasPrefix(tt.name, "metric trigger") {
				p.Actions = p.Actions[:2] // no promotion, so no must_beat
				p.Actions[1].Reasons = append(p.Actions[1].Reasons, plans.Reason{Code: plans.ReasonMetricBelow, Data: map[string]any{"conditional": true, "metric": "auc"}})
			}
			if err := Markdown(&b, p, Options{State: tt.st}); err != nil {
				t.Fatal(err)
			}
			got := b.String()
			wanttext.Check(t, got, tt.want, tt.notWant)
			if n := strings.Count(got, "```mermaid"); n > 1 {
				t.Errorf("%d charts for one trained model", n)
			}
		})
	}
}
