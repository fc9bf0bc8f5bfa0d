package report

import (
	"fmt"
)

// metricCharts draws one chart per metric over the model's versions:
// every version is one marker (data-version="N"), a version without the
// metric (a failed attempt) sits on the x axis, the champion is ringed,
// held versions are hollow, and gate thresholds are dashed lines.
func metricCharts(mv *modelView, gi gateInfo) ([]*chartView, error) {
	var out []*chartView
	var ticks []tick
	for _, v := range mv.Versions {
		ticks = append(ticks, tick{X: float64(v.Version), Label: fmt.Sprintf("v%d", v.Version)})
	}
	for i, name := range mv.metricNames() {
		spec := chartSpec{XLabel: "version", YLabel: "", Connect: true, XTicks: ticks}
		cv := &chartView{ID: fmt.Sprintf("metric-%d", i+1), Title: name}
		for _, v := range mv.Versions {
			val, ok := v.metrics[name]
			class := v.Kind
			if v.Version == mv.Champion && mv.Champion > 0 {
				class = "champion"
			}
			title := fmt.Sprintf("v%d %s: ", v.Version, name)
			if ok {
				title += formatFloat(val)
			} else {
				title += "no value (" + v.Status + ")"
				cv.Missing++
			}
			title += " [" + kindText(class, v) + "]"
			spec.Points = append(spec.Points, point{X: float64(v.Version), Y: val, HasY: ok, Attr: "data-version",
				Key: fmt.Sprint(v.Version), Class: class, Title: title})
		}
		for _, t := range gi.Thresholds {
			if t.Metric == name {
				spec.HLines = append(spec.HLines, hline{Y: t.Value, Label: t.Op + " " + formatFloat(t.Value)})
				cv.Notes = append(cv.Notes, "Dashed line: "+t.Label)
			}
		}
		svg, err := renderChart(spec)
		if err != nil {
			return nil, fmt.Errorf("chart of metric %q: %w", name, err)
		}
		cv.SVG, cv.Points = svg, len(spec.Points)
		out = append(out, cv)
	}
	return out, nil
}

func kindText(class string, v *versionView) string {
	switch class {
	case "champion":
		return "champion"
	case kindServed:
		return "served by " + joinOr(v.Served, "an alias")
	case kindHeld:
		return "held: never promoted"
	case kindFailed, kindRunning:
		return v.Status
	}
	return "not promoted (no alias)"
}

func joinOr(list []string, empty string) string {
	if len(list) == 0 {
		return empty
	}
	s := list[0]
	for _, x := range list[1:] {
		s += ", " + x
	}
	return s
}
