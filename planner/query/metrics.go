package query

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"text/tabwriter"

	"github.com/mlform/mlform/internal/textfmt"
	"github.com/mlform/mlform/planner/policy"
	"github.com/mlform/mlform/state"
)

// MetricsDiff is `mlform metrics diff ADDR@A ADDR@B`: each train-step
// metric of the two versions (what each trainer reported about itself,
// labelled so: promotions compare evaluate-step scores) and what changed
// in their inputs.
type MetricsDiff struct {
	A       VersionRef      `json:"a"`
	B       VersionRef      `json:"b"`
	Metrics []MetricRow     `json:"metrics"`
	Changes []policy.Change `json:"changes"`
}

// VersionRef names one side of a comparison.
type VersionRef struct {
	Addr    string `json:"addr"` // as resolved: model.churn@3
	Model   string `json:"model"`
	Version int    `json:"version"`
	Status  string `json:"status"`
}

// MetricRow is one metric; A or B is nil when that version lacks it.
type MetricRow struct {
	Name  string   `json:"name"`
	A     *float64 `json:"a"`
	B     *float64 `json:"b"`
	Delta *float64 `json:"delta"` // B - A, when both exist
}

// MarshalJSON writes a difference too large for a float64 (+Inf, -Inf)
// as a string, see textfmt.JSONFloat, instead of failing the document.
func (r MetricRow) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Name  string          `json:"name"`
		A     json.RawMessage `json:"a"`
		B     json.RawMessage `json:"b"`
		Delta json.RawMessage `json:"delta"`
	}{r.Name, textfmt.JSONFloat(r.A), textfmt.JSONFloat(r.B), textfmt.JSONFloat(r.Delta)})
}

// DiffMetrics compares two versions (possibly of different models).
func DiffMetrics(s *state.State, addrA, addrB string) (*MetricsDiff, error) {
	var refs [2]VersionRef
	var vers [2]*state.Version
	for i, addr := range []string{addrA, addrB} {
		m, v, err := ResolveVersion(s, "metrics diff", addr)
		if err != nil {
			return nil, err
		}
		refs[i] = VersionRef{Addr: fmt.Sprintf("model.%s@%d", m.Name, v.Version), Model: m.Name, Version: v.Version, Status: v.Status}
		vers[i] = v
	}
	d := &MetricsDiff{A: refs[0], B: refs[1], Metrics: []MetricRow{}}
	for _, k := range unionMetrics(vers[0].Metrics, vers[1].Metrics) {
		row := MetricRow{Name: k}
		if v, ok := vers[0].Metrics[k]; ok {
			row.A = &v
		}
		if v, ok := vers[1].Metrics[k]; ok {
			row.B = &v
		}
		if row.A != nil && row.B != nil {
			delta := *row.B - *row.A
			row.Delta = &delta
		}
		d.Metrics = append(d.Metrics, row)
	}
	d.Changes = policy.DiffInputs(vers[0].Inputs, vers[1].Inputs)
	if d.Changes == nil {
		d.Changes = []policy.Change{}
	}
	return d, nil
}

func unionMetrics(a, b map[string]float64) []string {
	seen := map[string]bool{}
	for k := range a {
		seen[k] = true
	}
	for k := range b {
		seen[k] = true
	}
	return slices.Sorted(maps.Keys(seen))
}

// WriteMetricsDiff renders a metrics comparison.
func WriteMetricsDiff(w io.Writer, d *MetricsDiff) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "TRAIN METRIC\t%s\t%s\tDELTA\n", clean(d.A.Addr), clean(d.B.Addr))
	for _, r := range d.Metrics {
		a, b := optNum(r.A), optNum(r.B)
		if r.A != nil && r.B != nil && *r.A != *r.B && a == b {
			// Two values that differ never read the same.
			a, b = strconv.FormatFloat(*r.A, 'g', -1, 64), strconv.FormatFloat(*r.B, 'g', -1, 64)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", clean(r.Name), a, b, signed(r.Delta))
	}
	tw.Flush()
	if len(d.Metrics) == 0 {
		fmt.Fprintln(w, "(neither version recorded metrics)")
	}
	fmt.Fprintf(w, "\ninputs changed from %s to %s:\n", clean(d.A.Addr), clean(d.B.Addr))
	if len(d.Changes) == 0 {
		fmt.Fprintln(w, "  (none: same inputs)")
	}
	for _, c := range d.Changes {
		fmt.Fprintf(w, "  ~ %s\n", clean(c.Message))
	}
	return nil
}

func optNum(f *float64) string {
	if f == nil {
		return "-"
	}
	return fmtNum(*f)
}

func signed(f *float64) string {
	if f == nil {
		return "-"
	}
	v := *f
	if math.Abs(v) < 1e-12 {
		return "0"
	}
	s := fmtNum(v)
	if v > 0 {
		s = "+" + s
	}
	return s
}
