package report

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"sort"

	"gonum.org/v1/plot/plotter"

	"github.com/mlform/mlform/providers/storage"
)

// Training curves come from metrics.jsonl, an optional file a trainer
// writes at the top of its output directory: one JSON object per step,
// numbers only matter ({"step": 3, "loss": 0.41, "val_loss": 0.44}).
// mlform stores every output file as the version's artifacts, so the
// report reads it from the artifacts manifest (docs/training-contract.md).
const (
	curvesFile = "metrics.jsonl"
	// maxCurvesBytes bounds what is read of one metrics.jsonl.
	maxCurvesBytes = 32 << 20
	// maxCurveKeys and maxCurvePoints bound what is drawn.
	maxCurveKeys     = 8
	maxCurvePoints   = 2000
	maxCurveVersions = 6
)

// curve is one version's per-step metrics: key -> (x, y) points.
type curve struct {
	Version int
	XKey    string
	Series  map[string]plotter.XYs
}

// parseCurves reads metrics.jsonl. x is the "step" field, else "epoch",
// else the line number; every other finite number is a series. Lines
// that are blank are skipped; a line that is not a JSON object is an
// error naming the line.
func parseCurves(r io.Reader) (*curve, error) {
	c := &curve{Series: map[string]plotter.XYs{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var obj map[string]any
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if err := dec.Decode(&obj); err != nil || obj == nil {
			// Python's json (and the loggers built on it) writes a
			// diverged loss as NaN or Infinity, which JSON lacks: those
			// are non-finite numbers, skipped like 1e999, not a reason to
			// drop the run's curves.
			obj = nil
			if fixed, ok := pythonNonFinite(b); ok {
				dec = json.NewDecoder(bytes.NewReader(fixed))
				dec.UseNumber()
				err = dec.Decode(&obj)
			}
			if err != nil || obj == nil {
				return nil, fmt.Errorf("line %d: not a JSON object", line)
			}
		}
		nums := map[string]float64{}
		for k, v := range obj {
			n, ok := v.(json.Number)
			if !ok {
				continue
			}
			f, err := n.Float64()
			if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
				continue
			}
			nums[k] = f
		}
		x, xkey := float64(line), "line"
		for _, k := range []string{"step", "epoch"} {
			if v, ok := nums[k]; ok {
				x, xkey = v, k
				break
			}
		}
		if c.XKey == "" {
			c.XKey = xkey
		}
		for k, v := range nums {
			if k == xkey {
				continue
			}
			if _, ok := c.Series[k]; !ok && len(c.Series) >= 64 {
				continue
			}
			c.Series[k] = append(c.Series[k], plotter.XY{X: x, Y: v})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", line+1, err)
	}
	for k, xys := range c.Series {
		c.Series[k] = thin(xys, maxCurvePoints)
	}
	return c, nil
}

// pythonNonFinite returns b with the bare tokens NaN, Infinity and
// -Infinity (outside strings) replaced by null, and whether it found any.
func pythonNonFinite(b []byte) ([]byte, bool) {
	var out []byte
	last, inString, found := 0, false, false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inString {
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			}
			continue
		}
		if c == '"' {
			inString = true
			continue
		}
		for _, tok := range []string{"NaN", "Infinity", "-Infinity"} {
			end := i + len(tok)
			if !bytes.HasPrefix(b[i:], []byte(tok)) || end < len(b) && isWordByte(b[end]) || i > 0 && isWordByte(b[i-1]) {
				continue
			}
			out = append(append(out, b[last:i]...), "null"...)
			last, found = end, true
			i = end - 1
			break
		}
	}
	if !found {
		return nil, false
	}
	return append(out, b[last:]...), true
}

func isWordByte(c byte) bool {
	return c == '_' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// thin keeps at most n points, evenly spaced, always the last.
func thin(xys plotter.XYs, n int) plotter.XYs {
	if len(xys) <= n {
		return xys
	}
	out := make(plotter.XYs, 0, n)
	step := float64(len(xys)-1) / float64(n-1)
	for i := 0; i < n; i++ {
		out = append(out, xys[int(math.Round(float64(i)*step))])
	}
	return out
}

// readCurves loads metrics.jsonl of each succeeded version that stored
// one (the latest maxCurveVersions), reporting problems as warnings.
func readCurves(ctx context.Context, stores StoreOpener, mv *modelView, warn func(string)) []*curve {
	if stores == nil {
		return nil
	}
	var out []*curve
	for i := len(mv.Versions) - 1; i >= 0 && len(out) < maxCurveVersions; i-- {
		v := mv.Versions[i]
		if v.artifacts == "" || ctx.Err() != nil {
			continue
		}
		c, err := readCurve(ctx, stores, v)
		if err != nil {
			warn(fmt.Sprintf("model.%s v%d: %s: %v", mv.Name, v.Version, curvesFile, err))
			continue
		}
		if c != nil {
			c.Version = v.Version
			v.HasCurves = true
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out
}

func readCurve(ctx context.Context, stores StoreOpener, v *versionView) (*curve, error) {
	st, err := stores.Open(ctx, v.store)
	if err != nil {
		return nil, err
	}
	m, err := st.GetManifest(ctx, v.artifacts)
	if err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return nil, fmt.Errorf("artifacts %s not in store %q", short(v.artifacts, 12), v.store)
		}
		return nil, err
	}
	for _, f := range m.Files {
		if f.Path != curvesFile {
			continue
		}
		if f.Size > maxCurvesBytes {
			return nil, fmt.Errorf("%d bytes, more than the %d MiB the report reads", f.Size, maxCurvesBytes>>20)
		}
		rc, err := st.OpenFile(ctx, f)
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		return parseCurves(io.LimitReader(rc, maxCurvesBytes))
	}
	return nil, nil
}

// curveCharts draws one chart per key (the first maxCurveKeys in name
// order), one line per version.
func curveCharts(curves []*curve) ([]*chartView, error) {
	keys := map[string]bool{}
	for _, c := range curves {
		for k := range c.Series {
			keys[k] = true
		}
	}
	names := slices.Sorted(maps.Keys(keys))
	if len(names) > maxCurveKeys {
		names = names[:maxCurveKeys]
	}
	var out []*chartView
	for i, k := range names {
		spec := chartSpec{XLabel: curves[0].XKey}
		for _, c := range curves {
			if xys := c.Series[k]; len(xys) > 0 {
				spec.Series = append(spec.Series, series{Label: fmt.Sprintf("v%d", c.Version), XYs: xys})
			}
		}
		svg, err := renderChart(spec)
		if err != nil {
			return nil, fmt.Errorf("training curve %q: %w", k, err)
		}
		out = append(out, &chartView{ID: fmt.Sprintf("curve-%d", i+1), Title: k, SVG: svg})
	}
	return out, nil
}
