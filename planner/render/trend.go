package render

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/mlform/mlform/internal/objname"
	"github.com/mlform/mlform/planner/plans"
	"github.com/mlform/mlform/state"
)

// maxTrendPoints is how many recorded versions a markdown metric trend
// shows (the latest ones): enough to see a drift, small enough to read.
const maxTrendPoints = 20

// metricTrends writes, for each model the plan would (re)train, a compact
// trend of its key metric over its recorded succeeded versions: a
// mermaid `xychart-beta` block (GitHub renders it in a pull-request
// comment) and a caption with the values, which reads as well where
// mermaid is not rendered. Models without two recorded values are
// skipped: one point is not a trend.
//
// The key metric is the must_beat metric of a promotion of the model in
// this plan (what decides whether the new version serves), else the
// metric of the metric trigger behind a conditional train, else the first
// metric (by name) the latest version reports.
func metricTrends(ew *errWriter, p *plans.Plan, st *state.State) {
	if st == nil {
		return
	}
	for _, a := range p.Actions {
		if a.Kind != plans.KindTrain || a.Train == nil {
			continue
		}
		m := st.Models[recordedName(p, a.Train.Model)]
		if m == nil {
			continue
		}
		var vs []*state.Version
		for _, v := range m.Versions {
			if v.Status == state.StatusSucceeded && len(v.Metrics) > 0 {
				vs = append(vs, v)
			}
		}
		metric := keyMetric(p, a, vs)
		if metric == "" {
			continue
		}
		var xs []string
		var ys []float64
		for _, v := range vs {
			if y, ok := v.Metrics[metric]; ok {
				xs = append(xs, "v"+strconv.Itoa(v.Version))
				ys = append(ys, y)
			}
		}
		if len(ys) > maxTrendPoints {
			xs, ys = xs[len(xs)-maxTrendPoints:], ys[len(ys)-maxTrendPoints:]
		}
		if len(ys) < 2 {
			continue
		}
		name := mermaidText(metric)
		lo, hi := axisRange(ys)
		vals := make([]string, len(ys))
		for i, y := range ys {
			vals[i] = formatNumber(y)
		}
		ew.printf("**Metric trend of `model.%s`** (%s, last %d succeeded versions)\n\n", mdCode(a.Train.Model), mdText(name), len(ys))
		ew.printf("```mermaid\nxychart-beta\n    title \"%s %s\"\n    x-axis [%s]\n    y-axis \"%s\" %s --> %s\n    line [%s]\n```\n\n",
			mermaidAddr("model."+a.Train.Model), name, strings.Join(xs, ", "), name, formatNumber(lo), formatNumber(hi), strings.Join(vals, ", "))
		var parts []string
		for i := range xs {
			parts = append(parts, xs[i]+" "+vals[i])
		}
		caption := strings.Join(parts, ", ")
		if aliases := aliasList(m); aliases != "" {
			caption += "; " + aliases
		}
		ew.printf("_%s: %s; this plan trains v%d._\n\n", mdText(name), mdText(caption), a.Train.Version)
	}
}

// recordedName is the name st, read before the plan's moves, records the
// model the plan calls name under: a plan's actions use the addresses
// after its moved blocks (model.churn -> model.retention, a renamed
// module instance), while apply performs the moves only when it runs.
// The moves are followed back, last first, so chains compose.
func recordedName(p *plans.Plan, name string) string {
	addr := "model." + name
	for i := len(p.Moves) - 1; i >= 0; i-- {
		if mv := p.Moves[i]; mv != nil && mv.To == addr {
			addr = mv.From
		}
	}
	return plans.AddrName(addr)
}

// keyMetric picks the metric a model's trend shows ("" when its versions
// report none).
func keyMetric(p *plans.Plan, train *plans.Action, vs []*state.Version) string {
	if len(vs) == 0 {
		return ""
	}
	has := func(name string) bool {
		for _, v := range vs {
			if _, ok := v.Metrics[name]; ok {
				return true
			}
		}
		return false
	}
	for _, a := range p.Actions {
		if pr := a.Promote; pr != nil && pr.Model == train.Train.Model && pr.MustBeat != "" && has(pr.MustBeat) {
			return pr.MustBeat
		}
	}
	for _, r := range train.Reasons {
		if m, ok := r.Data["metric"].(string); ok && has(m) {
			return m
		}
	}
	latest := vs[len(vs)-1].Metrics
	if len(latest) == 0 {
		return ""
	}
	return slices.Sorted(maps.Keys(latest))[0]
}

// aliasList is "production is v2, staging is v3" ("" without aliases).
func aliasList(m *state.Model) string {
	var parts []string
	for _, name := range slices.Sorted(maps.Keys(m.Aliases)) {
		parts = append(parts, fmt.Sprintf("%s is v%d", name, m.Aliases[name].Version))
	}
	return strings.Join(parts, ", ")
}

// axisRange is the y-axis of a trend: the values' range padded by a tenth
// of it on each side (by a twentieth of the value, or 1, when flat), so
// no point sits on the frame. Any finite metric may be on it: the pad is
// taken without overflowing and the ends stay finite (mermaid reads no
// infinity).
func axisRange(ys []float64) (lo, hi float64) {
	lo, hi = slices.Min(ys), slices.Max(ys)
	pad := hi/10 - lo/10
	if pad == 0 {
		pad = math.Abs(lo) / 20
		if pad == 0 {
			pad = 1
		}
	}
	return math.Max(lo-pad, -math.MaxFloat64), math.Min(hi+pad, math.MaxFloat64)
}

// formatNumber writes a number as mermaid reads it: plain decimal, at most
// six significant digits, no exponent.
func formatNumber(f float64) string {
	s := strconv.FormatFloat(f, 'g', 6, 64)
	if strings.ContainsAny(s, "e") {
		s = strconv.FormatFloat(f, 'f', -1, 64)
	}
	return s
}

// mermaidAddr is a model's address for a mermaid title, as users write
// it (module.region['eu'].model.churn): mermaid's quoted strings cannot
// hold a double quote, not even escaped, so an instance key's quotes
// become single ones. Keys and names hold no other character that
// matters there (objname.CheckKey).
func mermaidAddr(addr string) string {
	return strings.ReplaceAll(objname.Display(addr), `"`, "'")
}

// mermaidText keeps a metric name (a trainer chooses it) from breaking out
// of the mermaid title or axis label or the markdown around it: anything
// but letters, digits and " _-./:" becomes "_", and it is cut to 64 bytes.
func mermaidText(s string) string {
	var b strings.Builder
	for _, r := range s {
		if b.Len() >= 64 {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune(" _-./:", r):
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}
