package query

import (
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mlform/mlform/internal/objname"
	"github.com/mlform/mlform/planner/policy"
	"github.com/mlform/mlform/state"
)

// VersionsReport is `mlform versions model.NAME` (and its -json form).
type VersionsReport struct {
	Model    string       `json:"model"`
	Versions []VersionRow `json:"versions"`
}

// VersionRow is one attempt of a model.
type VersionRow struct {
	Version int       `json:"version"`
	Status  string    `json:"status"`
	Created time.Time `json:"created"`
	// Changed lists what differs from the previous succeeded version
	// still recorded, ChangedSince ("dataset.churn", "params.learning_rate",
	// "code"); ["new"] for the first version, when every earlier attempt
	// is recorded and none succeeded; ["unknown"] when no earlier
	// succeeded version is recorded but earlier numbers are missing from
	// the state (forgotten by retention or state rm).
	Changed []string `json:"changed"`
	// ChangedSince is the version Changed compares with (0: none).
	ChangedSince int `json:"changed_since,omitempty"`
	// sinceGap: versions between ChangedSince and this one are missing
	// from the state, so the table names the version compared with.
	sinceGap bool
	// Reasons are why the plan trained it, as recorded.
	Reasons []string           `json:"reasons,omitempty"`
	Metrics map[string]float64 `json:"metrics,omitempty"`
	Aliases []string           `json:"aliases,omitempty"`
	Error   string             `json:"error,omitempty"`
	// Job is where an attempt a batch executor still runs is, as the last
	// apply saw it ("slurm job 1234 on node-3"); its Status is
	// "submitted" or "running" until an apply collects it.
	Job string `json:"job,omitempty"`
}

// Versions lists a model's versions, oldest first.
func Versions(s *state.State, addr string) (*VersionsReport, error) {
	a, err := ParseAddress(addr)
	if err != nil {
		return nil, fmt.Errorf("versions: %w", err)
	}
	switch {
	case a.Kind == state.AddrModel:
	case a.Kind == state.AddrDataset:
		return nil, fmt.Errorf("versions: %q: want model.NAME (a dataset's snapshots: mlform snapshots %s)", addr, objname.ShellArg(addr))
	default:
		return nil, fmt.Errorf("versions: %q: want model.NAME (one version: mlform lineage %s)", addr, objname.ShellArg(addr))
	}
	m, err := model(s, a)
	if err != nil {
		return nil, err
	}
	vs := append([]*state.Version(nil), m.Versions...)
	sort.Slice(vs, func(i, j int) bool { return vs[i].Version < vs[j].Version })
	r := &VersionsReport{Model: m.Name, Versions: []VersionRow{}}
	rec := recordedNumbers(m)
	var prev *state.Version
	for _, v := range vs {
		row := VersionRow{
			Version: v.Version, Status: v.Status, Created: v.StartedAt,
			Reasons: v.Reasons, Metrics: v.Metrics, Aliases: aliasesAt(m, v.Version), Error: v.Error,
		}
		row.setChanged(prev, v.Inputs, rec)
		r.Versions = append(r.Versions, row)
		if v.Status == state.StatusSucceeded {
			prev = v
		}
	}
	r.Versions = append(r.Versions, runningRows(m, prev, rec)...)
	return r, nil
}

// Words Changed holds instead of paths.
const (
	// ChangedNew: the first version (no earlier attempt succeeded).
	ChangedNew = "new"
	// ChangedUnknown: no earlier succeeded version is recorded, but
	// earlier numbers are missing from the state (retention or state rm
	// forgot them), so what changed cannot be told.
	ChangedUnknown = "unknown"
)

// setChanged fills Changed and ChangedSince for a version numbered
// row.Version with inputs in, against prev, the nearest earlier succeeded
// version still recorded (nil: none). rec holds the numbers the state
// records (versions and attempts still running).
func (row *VersionRow) setChanged(prev *state.Version, in state.Inputs, rec map[int]bool) {
	if prev == nil {
		row.Changed = []string{ChangedNew}
		if missingBetween(0, row.Version, rec) {
			row.Changed = []string{ChangedUnknown}
		}
		return
	}
	row.Changed = changedPaths(policy.DiffInputs(prev.Inputs, in))
	row.ChangedSince = prev.Version
	row.sinceGap = missingBetween(prev.Version, row.Version, rec)
}

// recordedNumbers is the set of m's version numbers the state records.
func recordedNumbers(m *state.Model) map[int]bool {
	rec := map[int]bool{}
	for _, v := range m.Versions {
		rec[v.Version] = true
	}
	for _, ra := range m.Running {
		if ra != nil {
			rec[ra.Version] = true
		}
	}
	return rec
}

// missingBetween reports whether a number strictly between lo and hi is
// not in rec.
func missingBetween(lo, hi int, rec map[int]bool) bool {
	for n := lo + 1; n < hi; n++ {
		if !rec[n] {
			return true
		}
	}
	return false
}

// runningRows are the attempts a batch executor still runs (recorded with
// their job before apply waited), after the recorded versions: they are
// newer than all of them.
func runningRows(m *state.Model, prev *state.Version, rec map[int]bool) []VersionRow {
	var rows []VersionRow
	for _, ra := range m.Running {
		if ra == nil {
			continue
		}
		row := VersionRow{Version: ra.Version, Status: "submitted", Created: ra.SubmittedAt, Changed: []string{}}
		if !ra.StartedAt.IsZero() {
			row.Status = "running"
		}
		row.Job = ra.Executor + " job " + ra.JobID
		if ra.JobID == "" {
			row.Job = ra.Executor + " job (being submitted)"
		}
		if ra.Node != "" {
			row.Job += " on " + ra.Node
		}
		if d := ra.Draft; d != nil {
			row.Reasons = d.Reasons
			row.setChanged(prev, d.Inputs, rec)
		}
		rows = append(rows, row)
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Version < rows[j].Version })
	return rows
}

// changedPaths names each change briefly; [] when nothing changed.
func changedPaths(cs []policy.Change) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, c.Path)
	}
	return out
}

// maxMetrics is how many metrics the table shows per version; -json has
// them all.
const maxMetrics = 4

// WriteVersions renders the versions table.
func WriteVersions(w io.Writer, r *VersionsReport) error {
	if len(r.Versions) == 0 {
		_, err := fmt.Fprintf(w, "model.%s has no versions yet.\n", clean(r.Model))
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tCREATED\tSTATUS\tALIASES\tCHANGED\tTRAIN METRICS\tREASONS")
	for _, v := range r.Versions {
		changed := "(nothing)"
		if len(v.Changed) > 0 {
			changed = clean(strings.Join(v.Changed, ", "))
		}
		switch {
		case len(v.Changed) == 1 && v.Changed[0] == ChangedUnknown && v.ChangedSince == 0:
			changed = "unknown (earlier versions not in state)"
		case v.sinceGap:
			changed += fmt.Sprintf(" (since v%d)", v.ChangedSince)
		}
		reasons := clean(strings.Join(v.Reasons, "; "))
		if v.Error != "" {
			reasons = strings.TrimPrefix(reasons+"; error: "+clean(v.Error), "; ")
		}
		if v.Job != "" {
			reasons = strings.TrimSuffix(clean(v.Job)+" (apply collects it); "+reasons, "; ")
		}
		fmt.Fprintf(tw, "v%d\t%s\t%s\t%s\t%s\t%s\t%s\n", v.Version, stamp(v.Created), clean(v.Status),
			orDash(strings.Join(v.Aliases, ", ")), changed, orDash(metricsLine(v.Metrics, maxMetrics)), orDash(reasons))
	}
	return tw.Flush()
}

// metricsLine renders up to limit metrics by name ("accuracy=0.91
// f1=0.88 +2 more"); limit <= 0 shows all.
func metricsLine(m map[string]float64, limit int) string {
	keys := slices.Sorted(maps.Keys(m))
	var parts []string
	for i, k := range keys {
		if limit > 0 && i == limit {
			parts = append(parts, fmt.Sprintf("+%d more", len(keys)-limit))
			break
		}
		parts = append(parts, clean(k)+"="+fmtNum(m[k]))
	}
	return strings.Join(parts, " ")
}

// fmtNum renders a metric with up to 6 significant digits.
// fmtNum shows a metric with six significant digits, except a whole
// number (a row or sample count) short of 1e15, which is shown in full:
// 1616000, not 1.616e+06.
func fmtNum(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', 6, 64)
}
