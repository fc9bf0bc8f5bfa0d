package report

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/mlform/mlform/internal/textfmt"
	"github.com/mlform/mlform/state"
)

// Version kinds: how an attempt ended up, for the tables and the charts.
const (
	kindServed   = "served"   // an alias points or pointed at it
	kindHeld     = "held"     // succeeded but no alias ever took it (gate, must_beat or not yet promoted)
	kindFailed   = "failed"   // failed, timed out or cancelled
	kindUnserved = "unserved" // succeeded; the model has no alias at all, and none is declared
	kindRunning  = "running"  // a batch job apply submitted and has not collected yet
)

// The statuses of attempts a batch executor still runs (m.Running), as
// mlform versions shows them: submitted, then running once a node took it.
const (
	statusSubmitted = "submitted"
	statusRunning   = "running"
)

// withRunning lists the model's recorded versions, then the attempts a
// batch executor still runs (a killed or ended apply left them to the next
// one), each as its draft version record with the status mlform versions
// gives it: the report shows every attempt.
func withRunning(m *state.Model) []*state.Version {
	var out []*state.Version
	for _, v := range m.Versions {
		if v != nil {
			out = append(out, v)
		}
	}
	for _, ra := range m.Running {
		if ra == nil || m.Version(ra.Version) != nil {
			continue
		}
		v := &state.Version{}
		if ra.Draft != nil {
			*v = *ra.Draft
		}
		v.Version, v.Status, v.StartedAt, v.EndedAt, v.Metrics, v.ArtifactsID = ra.Version, statusSubmitted, ra.SubmittedAt, time.Time{}, nil, ""
		if !ra.StartedAt.IsZero() {
			v.Status, v.StartedAt = statusRunning, ra.StartedAt
		}
		out = append(out, v)
	}
	return out
}

type modelView struct {
	Name, Page string
	// Aliases sorted by name; Champion is the alias the charts mark
	// (production when it exists, else the first alias).
	Aliases       []*aliasView
	ChampionAlias string
	Champion      int
	Versions      []*versionView
	Latest        *versionView
	LastTrain     *versionView // last succeeded attempt
	LastCheck     *evalView    // last evaluate-step run (metric check or promotion)
	// Drift is the drift check of the last trained version's datasets
	// against their current snapshots (model_drift.go).
	Drift []*modelDrift
	// Evaluated: the state records evaluate-step scores of the model, which
	// promotions compare; the charts show train-step metrics and say so.
	Evaluated    bool
	PolicyTrains []kv // policy name -> last train it caused
	Charts       []*chartView
	Curves       []*chartView
	CurvesNote   string
	Gates        []string // readable gate descriptions (config)
	Pending      []string // plan actions on this model (report -plan)
	Deferred     []string // plan notes: deferred retrains and held promotions
	Counts       map[string]int
}

type aliasView struct {
	Name    string
	Version int
	Moves   []*moveView
	Chart   *chartView // which version served when
}

type moveView struct {
	From, To int
	At       time.Time
	Until    time.Time // next move (zero: still serving)
	By       string
	// ApprovedBy and ApprovedAt are the approval the move needed (a
	// promotion with approval = true; empty otherwise).
	ApprovedBy string
	ApprovedAt time.Time
	Promotion  string
	Reason     string
	PlanDigest string
}

type versionView struct {
	Version   int
	Status    string
	Kind      string
	Aliases   []string // aliases pointing at it now
	Served    []string // aliases that ever pointed at it
	StartedAt time.Time
	EndedAt   time.Time
	Duration  string
	Metrics   []kv
	Params    []kv
	Inputs    []inputView
	Code      string
	Env       string
	Executor  string
	Host      string
	User      string
	Reasons   []string
	Error     string
	GitCommit string
	HasCurves bool
	metrics   map[string]float64
	artifacts string
	store     string
}

type inputView struct {
	Dataset, Snapshot, Short, Page string
}

type evalView struct {
	Version int
	At      time.Time
	Status  string
	Metrics []kv
}

type kv struct{ Key, Value string }

// gatherModel builds one model's view from the state; charts and curves
// are added by the caller (they need config and stores).
func gatherModel(st *state.State, m *state.Model, envExecutor func(string) string) *modelView {
	mv := &modelView{Name: m.Name, Page: pageName("model", m.Name), Counts: map[string]int{}}
	served := map[int][]string{}
	current := map[int][]string{}
	for _, name := range slices.Sorted(maps.Keys(m.Aliases)) {
		a := m.Aliases[name]
		av := &aliasView{Name: name, Version: a.Version}
		for i, mv := range a.History {
			if mv == nil {
				continue
			}
			v := &moveView{From: mv.From, To: mv.To, At: mv.At, By: mv.By, ApprovedBy: mv.ApprovedBy, ApprovedAt: mv.ApprovedAt,
				Promotion: mv.Promotion, Reason: mv.Reason, PlanDigest: short(mv.PlanDigest, 12)}
			if i+1 < len(a.History) && a.History[i+1] != nil {
				v.Until = a.History[i+1].At
			}
			av.Moves = append(av.Moves, v)
			if !slices.Contains(served[mv.To], name) {
				served[mv.To] = append(served[mv.To], name)
			}
		}
		if !slices.Contains(served[a.Version], name) {
			served[a.Version] = append(served[a.Version], name)
		}
		current[a.Version] = append(current[a.Version], name)
		mv.Aliases = append(mv.Aliases, av)
	}
	if a, ok := m.Aliases["production"]; ok {
		mv.ChampionAlias, mv.Champion = "production", a.Version
	} else if len(mv.Aliases) > 0 {
		mv.ChampionAlias, mv.Champion = mv.Aliases[0].Name, mv.Aliases[0].Version
	}
	for _, v := range withRunning(m) {
		vv := &versionView{
			Version: v.Version, Status: v.Status, StartedAt: v.StartedAt, EndedAt: v.EndedAt,
			Aliases: current[v.Version], Served: served[v.Version],
			Env: v.Inputs.Environment, Host: v.Host, User: v.User, Reasons: v.Reasons, Error: v.Error,
			GitCommit: short(v.GitCommit, 12), Code: short(v.Inputs.CodeHash, 12),
			metrics: v.Metrics, artifacts: v.ArtifactsID, store: v.Store,
		}
		if !v.StartedAt.IsZero() && !v.EndedAt.IsZero() && !v.EndedAt.Before(v.StartedAt) {
			vv.Duration = v.EndedAt.Sub(v.StartedAt).Round(time.Second).String()
		}
		if envExecutor != nil && v.Inputs.Environment != "" {
			vv.Executor = envExecutor(v.Inputs.Environment)
		}
		for _, k := range slices.Sorted(maps.Keys(v.Metrics)) {
			vv.Metrics = append(vv.Metrics, kv{k, formatFloat(v.Metrics[k])})
		}
		for _, k := range slices.Sorted(maps.Keys(v.Inputs.Params)) {
			vv.Params = append(vv.Params, kv{k, paramText(v.Inputs.Params[k])})
		}
		for _, ds := range slices.Sorted(maps.Keys(v.Inputs.Snapshots)) {
			id := v.Inputs.Snapshots[ds]
			vv.Inputs = append(vv.Inputs, inputView{Dataset: ds, Snapshot: id, Short: short(id, 12), Page: pageName("dataset", ds)})
		}
		if ra := m.RunningAttempt(v.Version); ra != nil && v.Status != state.StatusSucceeded {
			vv.Executor = ra.Executor + " job " + ra.JobID
			if ra.Node != "" {
				vv.Executor += " on " + ra.Node
			}
		}
		switch {
		case v.Status == statusSubmitted || v.Status == statusRunning:
			vv.Kind = kindRunning
		case v.Status != state.StatusSucceeded:
			vv.Kind = kindFailed
		case len(vv.Served) > 0:
			vv.Kind = kindServed
		case len(m.Aliases) > 0:
			vv.Kind = kindHeld
		default:
			vv.Kind = kindUnserved
		}
		mv.Counts[vv.Kind]++
		mv.Versions = append(mv.Versions, vv)
	}
	sort.SliceStable(mv.Versions, func(i, j int) bool { return mv.Versions[i].Version < mv.Versions[j].Version })
	if n := len(mv.Versions); n > 0 {
		mv.Latest = mv.Versions[n-1]
		for _, v := range mv.Versions {
			if v.Status == state.StatusSucceeded {
				mv.LastTrain = v
			}
		}
	}
	for _, e := range m.Evaluations {
		if e == nil {
			continue
		}
		mv.Evaluated = true
		if mv.LastCheck == nil || e.At.After(mv.LastCheck.At) {
			ev := &evalView{Version: e.Version, At: e.At, Status: e.Status}
			for _, k := range slices.Sorted(maps.Keys(e.Metrics)) {
				ev.Metrics = append(ev.Metrics, kv{k, formatFloat(e.Metrics[k])})
			}
			mv.LastCheck = ev
		}
	}
	for _, pn := range slices.Sorted(maps.Keys(st.Policies)) {
		p := st.Policies[pn]
		if p == nil {
			continue
		}
		if t, ok := p.LastTrain[m.Name]; ok {
			mv.PolicyTrains = append(mv.PolicyTrains, kv{pn, stamp(t)})
		}
	}
	return mv
}

// declaredAlias says the configuration promotes the model: a succeeded
// version no alias ever took is held (not yet promoted: a gate, must_beat
// or an approval not given), even before the first alias exists.
func (mv *modelView) declaredAlias() {
	for _, v := range mv.Versions {
		if v.Kind == kindUnserved {
			v.Kind = kindHeld
			mv.Counts[kindUnserved]--
			mv.Counts[kindHeld]++
		}
	}
}

// metricNames lists every metric any version of the model recorded.
func (mv *modelView) metricNames() []string {
	seen := map[string]bool{}
	for _, v := range mv.Versions {
		for k := range v.metrics {
			seen[k] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// addPlan attaches the plan's actions and notes on this model.
func (mv *modelView) addPlan(p *PlanView) {
	if p == nil {
		return
	}
	addr := "model." + mv.Name
	// The state reported still records a moved model at its old address;
	// the plan's actions and notes name the new one.
	names := map[string]bool{mv.Name: true}
	for _, m := range p.Moves {
		if m.From == addr {
			mv.Pending = append(mv.Pending, "move "+m.From+" to "+m.To+": moved block, its history is kept")
			names[strings.TrimPrefix(m.To, "model.")] = true
		}
	}
	for _, a := range p.Actions {
		if local, ok := strings.CutPrefix(a.Addr, "model."); ok && names[local] || names[a.Model] {
			line := a.Kind + " " + a.Addr
			if len(a.Reasons) > 0 {
				line += ": " + strings.Join(a.Reasons, "; ")
			}
			mv.Pending = append(mv.Pending, line)
		}
	}
	for _, n := range p.Notes {
		if n.Addr == addr || names[n.Model] {
			line := n.Message
			if n.Code != "" {
				line = n.Code + ": " + line
			}
			if !n.DueAt.IsZero() {
				line += " (due " + stamp(n.DueAt) + ")"
			}
			mv.Deferred = append(mv.Deferred, line)
		}
	}
}

func paramText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return formatFloat(x)
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return fmt.Sprint(x)
		}
		return string(b)
	}
}

func formatFloat(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return fmt.Sprint(f)
	}
	return fmt.Sprintf("%.6g", f)
}

func stamp(t time.Time) string {
	return textfmt.Time(t)
}

func short(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
