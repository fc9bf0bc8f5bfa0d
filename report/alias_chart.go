package report

import (
	"fmt"
	"maps"
	"slices"
	"time"
)

// aliasCharts draws, per alias, which version it served over time: a step
// line through every move (one marker per move, data-move="N", the
// move's reason in its tooltip) held until now.
func aliasCharts(mv *modelView, now time.Time) error {
	for _, a := range mv.Aliases {
		if len(a.Moves) == 0 {
			continue
		}
		spec := chartSpec{XLabel: "time (UTC)", YLabel: "version", Connect: true, Step: true, TimeX: true,
			Height: 2.2 * 72}
		last := a.Moves[len(a.Moves)-1].At
		if !now.IsZero() && now.After(last) {
			spec.StepUntil = float64(now.Unix())
		}
		// The y axis is a version number: label the versions served, not
		// gonum's default ticks (6.5 between v6 and v7).
		served := map[int]bool{}
		for _, m := range a.Moves {
			served[m.To] = true
		}
		for _, v := range slices.Sorted(maps.Keys(served)) {
			spec.YTicks = append(spec.YTicks, tick{X: float64(v), Label: versionText(v)})
		}
		for i, m := range a.Moves {
			title := fmt.Sprintf("%s: %s -> v%d", stamp(m.At), versionText(m.From), m.To)
			if m.By != "" {
				title += " by " + m.By
			}
			if m.ApprovedBy != "" {
				title += ", approved by " + m.ApprovedBy
			}
			if m.Reason != "" {
				title += ": " + m.Reason
			}
			spec.Points = append(spec.Points, point{X: float64(m.At.Unix()), Y: float64(m.To), HasY: true,
				Attr: "data-move", Key: fmt.Sprint(i + 1), Class: "served", Title: title})
		}
		svg, err := renderChart(spec)
		if err != nil {
			return fmt.Errorf("alias %s timeline: %w", a.Name, err)
		}
		a.Chart = &chartView{ID: "alias-chart-" + anchor(a.Name), Title: a.Name, SVG: svg, Points: len(spec.Points)}
	}
	return nil
}

func versionText(v int) string {
	if v <= 0 {
		return "(none)"
	}
	return fmt.Sprintf("v%d", v)
}
