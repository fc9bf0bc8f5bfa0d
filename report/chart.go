package report

import (
	"bytes"
	"fmt"
	"html/template"
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// The charts are drawn by gonum/plot (axes, grid, lines, bars) into SVG.
// What gonum cannot do is added by hand on top, in the same coordinates:
// one marker per point carrying a data attribute (data-version,
// data-snapshot) and a <title> tooltip, so a reader (and the browser
// test) can tell which point is which version without any script.

// chartView is one rendered chart.
type chartView struct {
	ID      string
	Title   string
	SVG     template.HTML
	Notes   []string
	Points  int
	Legend  []legendItem
	Missing int // versions without a value (drawn on the axis)
}

type legendItem struct{ Class, Label string }

// point is one marker of a chart.
type point struct {
	X     float64
	Y     float64
	HasY  bool
	Attr  string // data attribute name: "data-version", "data-snapshot"
	Key   string
	Class string // marker style: served, held, failed, unserved, champion, snapshot
	Title string
}

// hline is a horizontal reference line (a gate threshold).
type hline struct {
	Y     float64
	Label string
}

// series is one plain line (training curves, histograms' outlines).
type series struct {
	Label string
	XYs   plotter.XYs
}

// tick is one labelled x position.
type tick struct {
	X     float64
	Label string
}

type chartSpec struct {
	XLabel, YLabel string
	Points         []point
	Connect        bool    // join the points that have a value
	Step           bool    // join them as steps (a value holds until the next point)
	StepUntil      float64 // with Step: extend the last value to this x (0: no)
	TimeX          bool    // x is Unix seconds, ticks are dates
	HLines         []hline
	XTicks         []tick
	YTicks         []tick // as XTicks, on the y axis
	Series         []series
	Bars           [][]float64 // grouped bar values (histograms), one slice per group
	BarLabels      []string    // x labels (bins, categories)
	BarGroups      []string    // legend: one label per group
	Width, Height  vg.Length
}

// markerColor is the fill of a marker class (the legend in
// templates/layout.html uses the same colours).
func markerColor(class string) string {
	switch class {
	case "held":
		return "#ff7f0e"
	case "failed":
		return "#d62728"
	case "unserved":
		return "#7f7f7f"
	case "champion":
		return "#2ca02c"
	case "running":
		return "#9467bd"
	}
	return "#1f77b4"
}

// palette for series and bar groups.
func paletteColor(i int) color.Color {
	p := []color.RGBA{
		{0x1f, 0x77, 0xb4, 0xff}, {0xff, 0x7f, 0x0e, 0xff}, {0x2c, 0xa0, 0x2c, 0xff},
		{0xd6, 0x27, 0x28, 0xff}, {0x94, 0x67, 0xbd, 0xff}, {0x8c, 0x56, 0x4b, 0xff},
		{0xe3, 0x77, 0xc2, 0xff}, {0x7f, 0x7f, 0x7f, 0xff},
	}
	return p[i%len(p)]
}

// renderChart draws spec into an inline <svg> element.
func renderChart(spec chartSpec) (template.HTML, error) {
	if spec.Width == 0 {
		spec.Width = 6 * vg.Inch
	}
	if spec.Height == 0 {
		spec.Height = 2.8 * vg.Inch
	}
	spec = bounded(spec)
	p := plot.New()
	p.X.Label.Text = spec.XLabel
	p.Y.Label.Text = spec.YLabel
	p.Add(plotter.NewGrid())
	// Smaller type than gonum's print-oriented default: these are read on
	// a screen beside tables.
	p.X.Label.TextStyle.Font.Size = vg.Points(10)
	p.Y.Label.TextStyle.Font.Size = vg.Points(10)
	p.X.Tick.Label.Font.Size = vg.Points(9)
	p.Y.Tick.Label.Font.Size = vg.Points(9)
	p.Legend.TextStyle.Font.Size = vg.Points(9)

	xmin, xmax, ymin, ymax := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	see := func(x, y float64, hasY bool) {
		xmin, xmax = math.Min(xmin, x), math.Max(xmax, x)
		if hasY {
			ymin, ymax = math.Min(ymin, y), math.Max(ymax, y)
		}
	}
	for _, pt := range spec.Points {
		see(pt.X, pt.Y, pt.HasY)
	}
	for _, h := range spec.HLines {
		ymin, ymax = math.Min(ymin, h.Y), math.Max(ymax, h.Y)
	}
	if spec.Step && spec.StepUntil != 0 {
		xmax = math.Max(xmax, spec.StepUntil)
	}
	for _, s := range spec.Series {
		for _, xy := range s.XYs {
			see(xy.X, xy.Y, true)
		}
	}
	if len(spec.Bars) > 0 {
		xmin, xmax = -0.5, float64(len(spec.BarLabels))-0.5
		ymin = 0
		for _, g := range spec.Bars {
			for _, v := range g {
				ymax = math.Max(ymax, v)
			}
		}
	}
	if math.IsInf(xmin, 0) {
		xmin, xmax = 0, 1
	}
	if math.IsInf(ymin, 0) {
		ymin, ymax = 0, 1
	}
	if xmax-xmin < 1e-12 {
		xmin, xmax = xmin-1, xmax+1
	}
	if ymax-ymin < 1e-12 {
		d := math.Max(math.Abs(ymin)*0.1, 0.5)
		ymin, ymax = ymin-d, ymax+d
	}
	xpad, ypad := (xmax-xmin)*0.06, (ymax-ymin)*0.1
	if len(spec.Bars) == 0 {
		p.X.Min, p.X.Max = xmin-xpad, xmax+xpad
	} else {
		p.X.Min, p.X.Max = xmin, xmax
	}
	p.Y.Min, p.Y.Max = ymin-ypad, ymax+ypad
	if len(spec.Bars) > 0 {
		p.Y.Min, p.Y.Max = 0, ymax*1.3 // headroom for the legend
	}
	if len(spec.XTicks) > 0 {
		p.X.Tick.Marker = fixedTicks(spec.XTicks)
	}
	if spec.TimeX {
		p.X.Tick.Marker = plot.TimeTicks{Format: "2006-01-02\n15:04"}
	}
	if len(spec.YTicks) > 0 {
		p.Y.Tick.Marker = fixedTicks(spec.YTicks)
	}

	if spec.Connect {
		var xys plotter.XYs
		for _, pt := range spec.Points {
			if pt.HasY {
				xys = append(xys, plotter.XY{X: pt.X, Y: pt.Y})
			}
		}
		if spec.Step && spec.StepUntil != 0 && len(xys) > 0 {
			xys = append(xys, plotter.XY{X: spec.StepUntil, Y: xys[len(xys)-1].Y})
		}
		if len(xys) > 1 {
			l, err := plotter.NewLine(xys)
			if err != nil {
				return "", err
			}
			if spec.Step {
				l.StepStyle = plotter.PostStep
			}
			l.Color = color.RGBA{0x99, 0x99, 0x99, 0xff}
			p.Add(l)
		}
	}
	for _, h := range spec.HLines {
		l, err := plotter.NewLine(plotter.XYs{{X: p.X.Min, Y: h.Y}, {X: p.X.Max, Y: h.Y}})
		if err != nil {
			return "", err
		}
		l.Color = color.RGBA{0xd6, 0x27, 0x28, 0xff}
		l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(l) // described in the figure's caption, not in a legend
	}
	for i, s := range spec.Series {
		if len(s.XYs) == 0 {
			continue
		}
		l, err := plotter.NewLine(s.XYs)
		if err != nil {
			return "", err
		}
		l.Color = paletteColor(i)
		l.Width = vg.Points(1.5)
		p.Add(l)
		p.Legend.Add(s.Label, l)
	}
	w := vg.Points(24) / vg.Length(math.Max(1, float64(len(spec.Bars))))
	for i, g := range spec.Bars {
		b, err := plotter.NewBarChart(plotter.Values(g), w)
		if err != nil {
			return "", err
		}
		b.Color = paletteColor(i)
		b.LineStyle.Width = 0
		b.Offset = vg.Length(float64(i)-float64(len(spec.Bars)-1)/2) * w
		p.Add(b)
		if i < len(spec.BarGroups) {
			p.Legend.Add(spec.BarGroups[i], b)
		}
	}
	if len(spec.Bars) > 0 {
		p.NominalX(spec.BarLabels...)
	}
	p.Legend.Top = true

	c := vgsvg.NewWith(vgsvg.UseWH(spec.Width, spec.Height))
	dc := draw.New(c)
	p.Draw(dc)
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return "", fmt.Errorf("render chart: %w", err)
	}
	svg := buf.String()
	if i := strings.Index(svg, "<svg"); i >= 0 {
		svg = svg[i:]
	}
	// Markers: in SVG user units (points), y down from the top.
	data := p.DataCanvas(dc)
	fx, fy := p.Transforms(&data)
	h := spec.Height.Points()
	var m strings.Builder
	m.WriteString(`<g class="markers">`)
	for _, pt := range spec.Points {
		y := p.Y.Min
		if pt.HasY {
			y = pt.Y
		}
		cx, cy := fx(pt.X).Points(), h-fy(y).Points()
		fill := markerColor(pt.Class)
		shape := fmt.Sprintf(`<circle cx="%.2f" cy="%.2f" r="4" fill="%s" stroke="#fff" stroke-width="1"`, cx, cy, fill)
		switch {
		case !pt.HasY:
			shape = fmt.Sprintf(`<path d="M%.2f %.2fl4 -4l4 4l-4 4z" fill="%s"`, cx-4, cy, fill)
		case pt.Class == "champion":
			shape = fmt.Sprintf(`<circle cx="%.2f" cy="%.2f" r="6" fill="%s" stroke="#000" stroke-width="1.5"`, cx, cy, fill)
		case pt.Class == "held":
			shape = fmt.Sprintf(`<circle cx="%.2f" cy="%.2f" r="4" fill="#fff" stroke="%s" stroke-width="2"`, cx, cy, fill)
		}
		fmt.Fprintf(&m, `%s class="point %s" %s="%s"><title>%s</title>%s`, shape,
			template.HTMLEscapeString(pt.Class), pt.Attr, template.HTMLEscapeString(pt.Key),
			template.HTMLEscapeString(pt.Title), closeTag(shape))
	}
	m.WriteString("</g>\n")
	end := strings.LastIndex(svg, "</svg>")
	if end < 0 {
		return "", fmt.Errorf("render chart: no </svg> in gonum output")
	}
	svg = svg[:end] + m.String() + svg[end:]
	// The chart scales with the page: width 100%, aspect kept by viewBox.
	svg = strings.Replace(svg, "<svg ", `<svg role="img" class="chart" preserveAspectRatio="xMidYMid meet" `, 1)
	return template.HTML(svg), nil
}

// chartLimit bounds the values a chart places. A metric may be any finite
// float64, but an axis from -MaxFloat64 to MaxFloat64 (plus its padding)
// has a span float64 cannot hold, and its coordinates come out NaN or
// infinite, which a browser refuses. A value beyond ±chartLimit is drawn
// at the limit; its tooltip still gives the value.
const chartLimit = math.MaxFloat64 / 8

func clampChart(v float64) float64 { return math.Max(-chartLimit, math.Min(chartLimit, v)) }

// bounded returns spec with every value it places within ±chartLimit
// (new slices: the caller's are left as they are).
func bounded(spec chartSpec) chartSpec {
	pts := make([]point, len(spec.Points))
	for i, pt := range spec.Points {
		pt.X, pt.Y = clampChart(pt.X), clampChart(pt.Y)
		pts[i] = pt
	}
	spec.Points = pts
	hl := make([]hline, len(spec.HLines))
	for i, h := range spec.HLines {
		h.Y = clampChart(h.Y)
		hl[i] = h
	}
	spec.HLines = hl
	ss := make([]series, len(spec.Series))
	for i, s := range spec.Series {
		xys := make(plotter.XYs, len(s.XYs))
		for j, xy := range s.XYs {
			xys[j] = plotter.XY{X: clampChart(xy.X), Y: clampChart(xy.Y)}
		}
		s.XYs = xys
		ss[i] = s
	}
	spec.Series = ss
	bars := make([][]float64, len(spec.Bars))
	for i, g := range spec.Bars {
		bars[i] = make([]float64, len(g))
		for j, v := range g {
			bars[i][j] = clampChart(v)
		}
	}
	spec.Bars = bars
	spec.StepUntil = clampChart(spec.StepUntil)
	return spec
}

func closeTag(shape string) string {
	if strings.HasPrefix(shape, "<path") {
		return "</path>"
	}
	return "</circle>"
}

// fixedTicks labels only the given positions (at most 15, evenly picked).
type fixedTicks []tick

func (t fixedTicks) Ticks(min, max float64) []plot.Tick {
	step := 1
	if len(t) > 15 {
		step = (len(t) + 14) / 15
	}
	var out []plot.Tick
	for i, tk := range t {
		if tk.X < min || tk.X > max {
			continue
		}
		label := tk.Label
		if i%step != 0 && i != len(t)-1 {
			label = ""
		}
		out = append(out, plot.Tick{Value: tk.X, Label: label})
	}
	return out
}
