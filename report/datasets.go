package report

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/mlform/mlform/internal/textfmt"
	"github.com/mlform/mlform/planner/profile"
	"github.com/mlform/mlform/state"
)

// driftAlert is the PSI above which a column is flagged (the usual rule of
// thumb; a policy's own threshold is in the configuration).
const driftAlert = 0.2

type datasetView struct {
	Name, Page string
	Snapshots  []*snapView
	Current    *snapView
	Charts     []*chartView
	Drift      []*driftView // consecutive profiled snapshots, newest first
	Histograms []*chartView // reference vs current of the newest pair
	HistFrom   string
	HistTo     string
	Retained   []*snapView // records kept for versions after the dataset forgot them
}

type snapView struct {
	ID, Short string
	CreatedAt time.Time
	Source    string
	Files     int
	Bytes     int64
	BytesText string
	Rows      int64
	HasRows   bool
	Store     string
	UsedBy    []string
	profileID string
	profile   *profile.Profile
}

type driftView struct {
	From, To string
	FromAt   time.Time
	ToAt     time.Time
	Columns  []driftColumn
	Error    string
	MaxPSI   string
	Alert    bool
}

type driftColumn struct {
	Name, Kind, PSI, KS string
	Alert               bool
}

func gatherDataset(st *state.State, d *state.Dataset, users map[string][]string) *datasetView {
	dv := &datasetView{Name: d.Name, Page: pageName("dataset", d.Name)}
	for _, s := range d.Snapshots {
		if s == nil {
			continue
		}
		dv.Snapshots = append(dv.Snapshots, newSnapView(d.Name, s, users))
	}
	if n := len(dv.Snapshots); n > 0 {
		dv.Current = dv.Snapshots[n-1]
	}
	if r := st.RetainedSnapshots[d.Name]; r != nil {
		for _, s := range r.Snapshots {
			if s != nil {
				dv.Retained = append(dv.Retained, newSnapView(d.Name, s, users))
			}
		}
	}
	return dv
}

func newSnapView(dataset string, s *state.Snapshot, users map[string][]string) *snapView {
	return &snapView{ID: s.ID, Short: short(s.ID, 12), CreatedAt: s.CreatedAt, Source: s.Source, Files: s.Files,
		Bytes: s.Bytes, BytesText: textfmt.Bytes(s.Bytes), Store: s.Store, profileID: s.ProfileID,
		UsedBy: users[dataset+"@"+s.ID]}
}

// loadProfiles reads each snapshot's stored column profile (when it has
// one); an unreadable profile is a warning and that snapshot shows no rows.
func (dv *datasetView) loadProfiles(ctx context.Context, stores StoreOpener, warn func(string)) {
	if stores == nil {
		return
	}
	for _, s := range slices.Concat(dv.Snapshots, dv.Retained) {
		if s.profileID == "" || ctx.Err() != nil {
			continue
		}
		st, err := stores.Open(ctx, s.Store)
		if err != nil {
			warn(fmt.Sprintf("dataset.%s@%s: profile: %v", dv.Name, s.Short, err))
			continue
		}
		b, err := st.GetObject(ctx, s.profileID)
		if err == nil {
			s.profile, err = profile.Decode(b)
		}
		if err != nil {
			warn(fmt.Sprintf("dataset.%s@%s: profile %s: %v", dv.Name, s.Short, short(s.profileID, 12), err))
			continue
		}
		s.Rows, s.HasRows = s.profile.Rows, true
	}
}

// driftAndCharts computes drift between consecutive profiled snapshots
// and draws size, rows and the newest pair's histograms.
func (dv *datasetView) driftAndCharts() error {
	var prev *snapView
	for _, s := range dv.Snapshots {
		if s.profile == nil {
			continue
		}
		if prev != nil {
			dv.Drift = append(dv.Drift, driftBetween(prev, s))
		}
		prev = s
	}
	for i, j := 0, len(dv.Drift)-1; i < j; i, j = i+1, j-1 {
		dv.Drift[i], dv.Drift[j] = dv.Drift[j], dv.Drift[i]
	}

	var ticks []tick
	unit, div := sizeUnit(dv.Snapshots)
	size := chartSpec{XLabel: "snapshot", YLabel: unit, Connect: true}
	rows := chartSpec{XLabel: "snapshot", YLabel: "rows", Connect: true}
	for i, s := range dv.Snapshots {
		x := float64(i + 1)
		ticks = append(ticks, tick{X: x, Label: fmt.Sprintf("#%d", i+1)})
		title := fmt.Sprintf("#%d %s (%s): %s, %s", i+1, s.Short, stamp(s.CreatedAt), textfmt.Files(s.Files), s.BytesText)
		size.Points = append(size.Points, point{X: x, Y: float64(s.Bytes) / div, HasY: true, Attr: "data-snapshot", Key: s.ID, Class: "snapshot", Title: title})
		if s.HasRows {
			rows.Points = append(rows.Points, point{X: x, Y: float64(s.Rows), HasY: true, Attr: "data-snapshot", Key: s.ID, Class: "snapshot", Title: fmt.Sprintf("#%d %s: %s", i+1, s.Short, textfmt.Count(int(s.Rows), "row"))})
		}
	}
	size.XTicks, rows.XTicks = ticks, ticks
	if len(dv.Snapshots) > 0 {
		svg, err := renderChart(size)
		if err != nil {
			return fmt.Errorf("dataset.%s size chart: %w", dv.Name, err)
		}
		dv.Charts = append(dv.Charts, &chartView{ID: "size", Title: "Size (" + unit + ") per snapshot", SVG: svg, Points: len(size.Points)})
	}
	if len(rows.Points) > 0 {
		svg, err := renderChart(rows)
		if err != nil {
			return fmt.Errorf("dataset.%s rows chart: %w", dv.Name, err)
		}
		dv.Charts = append(dv.Charts, &chartView{ID: "rows", Title: "Rows per snapshot (profiled files)", SVG: svg, Points: len(rows.Points)})
	}
	return dv.histograms()
}

func driftBetween(ref, cur *snapView) *driftView {
	d := &driftView{From: ref.Short, To: cur.Short, FromAt: ref.CreatedAt, ToAt: cur.CreatedAt}
	var names []string
	for _, c := range ref.profile.Columns {
		if cur.profile.Column(c.Name) != nil {
			names = append(names, c.Name)
		}
	}
	if len(names) == 0 {
		d.Error = "no column profiled in both snapshots"
		return d
	}
	var rep profile.Report
	var errs []string
	for _, n := range names {
		r, err := profile.Drift(ref.profile, cur.profile, []string{n})
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		rep.Columns = append(rep.Columns, r.Columns...)
		if r.MaxPSI > rep.MaxPSI {
			rep.MaxPSI = r.MaxPSI
		}
	}
	for _, c := range rep.Columns {
		ks := "-"
		if c.Kind == profile.Numeric {
			ks = fmt.Sprintf("%.3f", c.KS)
		}
		dc := driftColumn{Name: c.Name, Kind: c.Kind, PSI: fmt.Sprintf("%.3f", c.PSI), KS: ks, Alert: c.PSI > driftAlert}
		d.Alert = d.Alert || dc.Alert
		d.Columns = append(d.Columns, dc)
	}
	d.MaxPSI = fmt.Sprintf("%.3f", rep.MaxPSI)
	if len(errs) > 0 {
		d.Error = fmt.Sprint(errs)
	}
	return d
}

// sizeUnit picks the binary unit the largest snapshot reads best in.
func sizeUnit(snaps []*snapView) (string, float64) {
	var largest int64
	for _, s := range snaps {
		largest = max(largest, s.Bytes)
	}
	units := []string{"bytes", "KiB", "MiB", "GiB", "TiB"}
	div := 1.0
	i := 0
	for i < len(units)-1 && float64(largest)/div >= 1024 {
		div *= 1024
		i++
	}
	return units[i], div
}
