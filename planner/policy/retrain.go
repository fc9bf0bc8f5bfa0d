package policy

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mlform/mlform/state"
)

// Reason codes, equal to the planner's ReasonCode values so the planner can
// copy them across unchanged.
const (
	ReasonNew                = "new"
	ReasonReplace            = "replace"
	ReasonDataChanged        = "data_changed"
	ReasonCodeChanged        = "code_changed"
	ReasonParamsChanged      = "params_changed"
	ReasonEnvironmentChanged = "environment_changed"
	ReasonCommandChanged     = "command_changed"
	ReasonScheduleDue        = "schedule_due"
	ReasonDrift              = "drift"
	ReasonMetricBelow        = "metric_below"
	ReasonMetricAbove        = "metric_above"
	ReasonPinned             = "pinned"
	ReasonCandidate          = "candidate"
)

// Reason is one cause of a decision: a stable code and a line for people.
type Reason struct {
	Code    string
	Message string
}

// Policy is a retrain_policy as it applies to one model.
type Policy struct {
	Name string
	// OnChange lists the input kinds (KindData, KindCode, KindParams,
	// KindEnvironment) whose change triggers a retrain at once.
	OnChange []string
	// Schedule is when changes not covered by OnChange are taken in
	// (nil: never by time).
	Schedule *Schedule
	// Cooldown is the least time between two trains; a trigger inside it
	// is deferred, not dropped.
	Cooldown time.Duration
	Metrics  []MetricTrigger
	Drift    *DriftTrigger
}

// MetricTrigger fires when the champion's metric, evaluated on the
// current data, is below Below or above Above (either may be nil).
type MetricTrigger struct {
	Metric string
	Below  *float64
	Above  *float64
}

// Drift methods.
const (
	DriftPSI = "psi"
	DriftKS  = "ks"
)

// DriftTrigger fires when a column's drift statistic exceeds Threshold.
// With DriftKS only numeric columns (those with a KS statistic) count.
type DriftTrigger struct {
	Method    string
	Threshold float64
}

// ColumnDrift is one column's drift between the profile of the snapshot
// the latest version trained on and the current one. Column "" is the
// dataset's overall figure.
type ColumnDrift struct {
	Dataset string
	Column  string
	PSI     float64
	KS      float64
	HasKS   bool // false for categorical columns
}

// Champion is the version a metric trigger watches and its metrics on the
// current data.
type Champion struct {
	Version int
	Metrics map[string]float64
}

// RetrainInput is everything DecideRetrain looks at.
type RetrainInput struct {
	Model string
	// Policy is nil when no retrain_policy names the model.
	Policy *Policy
	// Current is the model's inputs now (after this plan's snapshots).
	Current state.Inputs
	// Latest is the latest succeeded version (nil: none).
	Latest *state.Version
	// LastAttempt is the latest attempt of any status (nil: none); used to
	// explain a retry after a failure.
	LastAttempt *state.Version
	// LastTrain is when the model last trained successfully (policy
	// bookkeeping); zero falls back to Latest.EndedAt.
	LastTrain time.Time
	Now       time.Time
	// Champion is nil when no evaluation on the current data is at hand.
	Champion *Champion
	// Drift holds the drift of each changed dataset's stats columns.
	Drift []ColumnDrift
	// Replace forces a retrain (apply -replace model.NAME).
	Replace bool
}

// Decision is DecideRetrain's answer.
type Decision struct {
	Train   bool
	Reasons []Reason
	// Changes lists every input difference from the latest version
	// (params one per key), whether or not it triggers.
	Changes []Change
	// Deferred is true when inputs changed but the policy says not yet,
	// or a schedule-only policy is due but its cooldown holds;
	// DueAt is when it will say yes (zero: only on a trigger).
	Deferred    bool
	DueAt       time.Time
	DeferredWhy string
	// Notes are warnings that change nothing (a metric the champion
	// does not report, ...).
	Notes []string
}

// DecideRetrain says whether a model trains in this plan, and why. The
// rules: -replace always trains; a model with no succeeded version trains;
// a model whose current inputs equal its latest version's is up to date,
// whatever the policy (retraining would rebuild the same thing); without a
// policy any change retrains; with one, a change of an on_change kind, a
// due schedule, a champion metric past its bound or drift past the
// threshold retrains, unless the cooldown since the last train has not
// passed. A change that triggers nothing is deferred, with the time it
// becomes due when a schedule says.
func DecideRetrain(in RetrainInput) Decision {
	var d Decision
	if in.Latest != nil {
		d.Changes = DiffInputs(in.Latest.Inputs, in.Current)
	}
	if in.Replace {
		d.Train = true
		d.Reasons = append([]Reason{{ReasonReplace, fmt.Sprintf("forced by -replace=model.%s", in.Model)}}, changeReasons(d.Changes)...)
		return d
	}
	if in.Latest == nil {
		d.Train = true
		msg := fmt.Sprintf("model.%s has no version yet", in.Model)
		if a := in.LastAttempt; a != nil {
			msg = fmt.Sprintf("model.%s has no succeeded version (v%d %s)", in.Model, a.Version, strings.ReplaceAll(a.Status, "_", " "))
		}
		d.Reasons = []Reason{{ReasonNew, msg}}
		return d
	}
	if len(d.Changes) == 0 {
		if in.Policy != nil && scheduleOnly(in.Policy) {
			decideOnSchedule(in, &d)
		}
		return d
	}
	if in.Policy == nil {
		d.Train = true
		d.Reasons = changeReasons(d.Changes)
		return d
	}
	decideByPolicy(in, &d)
	return d
}

// scheduleOnly reports whether a policy retrains by time alone: a
// schedule (or every) and no on_change. Its trainer may read data mlform
// does not snapshot (a database, an API), so its schedule retrains even
// when no input changed.
func scheduleOnly(p *Policy) bool {
	return p.Schedule != nil && len(p.OnChange) == 0
}

// lastTrainOf is the policy's last train, falling back to the latest
// version's end; a last train after now (a clock set back: -now in the
// past, skewed hosts) counts as now rather than as a time never reached.
func lastTrainOf(in RetrainInput) time.Time {
	last := in.LastTrain
	if last.IsZero() {
		last = in.Latest.EndedAt
	}
	if last.After(in.Now) {
		last = in.Now
	}
	return last
}

// decideOnSchedule retrains an up-to-date model of a schedule-only policy
// once its schedule is due (cooldown permitting), saying that no input
// changed.
func decideOnSchedule(in RetrainInput, d *Decision) {
	p := in.Policy
	last := lastTrainOf(in)
	due, rule, scheduled := p.Schedule.Next(last)
	if !scheduled || due.After(in.Now) {
		return
	}
	why := fmt.Sprintf("%s due since %s (last train %s)", p.Schedule.describe(rule), formatTime(due), formatAge(in.Now, last))
	if p.Cooldown > 0 && in.Now.Before(last.Add(p.Cooldown)) {
		// Due, but the cooldown holds: say so and when, as for a
		// change, rather than a plan that reads "No changes".
		d.Deferred = true
		d.DueAt = last.Add(p.Cooldown)
		d.DeferredWhy = fmt.Sprintf("%s, no input changed; retrain deferred by cooldown %s (due %s)",
			why, FormatDuration(p.Cooldown), formatTime(d.DueAt))
		return
	}
	d.Train = true
	d.Reasons = []Reason{{ReasonScheduleDue, why + "; no input changed: a schedule-only policy retrains on its schedule"}}
}

// decideByPolicy applies a retrain policy to pending changes.
func decideByPolicy(in RetrainInput, d *Decision) {
	p := in.Policy
	last := lastTrainOf(in)
	var triggers []Reason
	triggered := map[string]bool{}
	for _, k := range p.OnChange {
		triggered[k] = true
	}
	var rest []Change
	for _, c := range d.Changes {
		if !triggered[c.Kind] {
			rest = append(rest, c)
		}
	}
	triggers = append(triggers, changeReasons(filterChanges(d.Changes, triggered))...)

	due, rule, scheduled := p.Schedule.Next(last)
	if scheduled && !due.After(in.Now) {
		triggers = append(triggers, Reason{ReasonScheduleDue,
			fmt.Sprintf("%s due since %s (last train %s)", p.Schedule.describe(rule), formatTime(due), formatAge(in.Now, last))})
	}
	mt, notes := metricReasons(p.Metrics, in.Champion)
	triggers = append(triggers, mt...)
	d.Notes = append(d.Notes, notes...)
	triggers = append(triggers, driftReasons(p.Drift, in.Drift)...)

	what := changedWhat(d.Changes)
	if len(triggers) == 0 {
		d.Deferred = true
		if scheduled {
			d.DueAt = due
			d.DeferredWhy = fmt.Sprintf("%s, retrain deferred by policy (%s: next %s)", what, rule, formatTime(due))
			if end := last.Add(p.Cooldown); p.Cooldown > 0 && end.After(due) {
				// The schedule comes due inside the cooldown, which
				// then defers it: the retrain is due when the cooldown ends.
				d.DueAt = end
				d.DeferredWhy = fmt.Sprintf("%s, retrain deferred by policy (%s: next %s, inside the cooldown %s: due %s)",
					what, rule, formatTime(due), FormatDuration(p.Cooldown), formatTime(end))
			}
		} else if len(p.OnChange) == 0 {
			d.DeferredWhy = fmt.Sprintf("%s, retrain deferred by policy (no on_change and no schedule: waits for a metric or drift trigger, or -replace)", what)
		} else {
			d.DeferredWhy = fmt.Sprintf("%s, retrain deferred by policy (on_change = [%s] and no schedule: waits for a trigger or -replace)",
				what, strings.Join(p.OnChange, ", "))
		}
		return
	}
	if hold, end := CooldownHold(in); hold != "" {
		d.Deferred = true
		d.DueAt = end
		d.DeferredWhy = fmt.Sprintf("%s, retrain deferred by %s", triggers[0].Message, hold)
		return
	}
	d.Train = true
	// Changes that did not trigger are trained in too: say so.
	d.Reasons = append(triggers, changeReasons(rest)...)
}

// CooldownHold describes the policy's cooldown when it holds at in.Now
// ("cooldown 12h (last train 5h ago; due Mon 2026-01-05 22:00 UTC)") and
// returns when it ends; "" when no cooldown holds. The planner uses it
// for a metric trigger it cannot decide before apply: a trigger that
// would fire waits for the cooldown, not for the schedule.
func CooldownHold(in RetrainInput) (string, time.Time) {
	p := in.Policy
	if p == nil || p.Cooldown <= 0 || in.Latest == nil {
		return "", time.Time{}
	}
	last := lastTrainOf(in)
	end := last.Add(p.Cooldown)
	if !in.Now.Before(end) {
		return "", time.Time{}
	}
	return fmt.Sprintf("cooldown %s (last train %s; due %s)", FormatDuration(p.Cooldown), formatAge(in.Now, last), formatTime(end)), end
}

// changeReasons turns input changes into reason lines, one per kind
// (the command separately).
func changeReasons(cs []Change) []Reason {
	var out []Reason
	if s := summarize(KindData, cs); s != "" {
		out = append(out, Reason{ReasonDataChanged, s})
	}
	for _, c := range cs {
		switch {
		case c.Kind == KindCode && c.Path == "code":
			out = append(out, Reason{ReasonCodeChanged, c.Message})
		case c.Kind == KindCode:
			out = append(out, Reason{ReasonCommandChanged, c.Message})
		}
	}
	if s := summarize(KindParams, cs); s != "" {
		out = append(out, Reason{ReasonParamsChanged, s})
	}
	if s := summarize(KindEnvironment, cs); s != "" {
		out = append(out, Reason{ReasonEnvironmentChanged, s})
	}
	return out
}

func filterChanges(cs []Change, kinds map[string]bool) []Change {
	var out []Change
	for _, c := range cs {
		if kinds[c.Kind] {
			out = append(out, c)
		}
	}
	return out
}

// changedWhat names the changed kinds: "data changed", "data and code
// changed".
func changedWhat(cs []Change) string {
	kinds := kindsOf(cs)
	switch len(kinds) {
	case 0:
		return "nothing changed"
	case 1:
		return kinds[0] + " changed"
	}
	return strings.Join(kinds[:len(kinds)-1], ", ") + " and " + kinds[len(kinds)-1] + " changed"
}

// metricReasons checks metric triggers against the champion's metrics on
// current data.
func metricReasons(ts []MetricTrigger, ch *Champion) (reasons []Reason, notes []string) {
	if ch == nil {
		return nil, nil
	}
	for _, t := range ts {
		v, ok := ch.Metrics[t.Metric]
		if !ok {
			notes = append(notes, fmt.Sprintf("metric trigger %s: the evaluation of v%d reports no %s", t.Metric, ch.Version, t.Metric))
			continue
		}
		if t.Below != nil && v < *t.Below {
			a, b := numPair(v, *t.Below)
			reasons = append(reasons, Reason{ReasonMetricBelow,
				fmt.Sprintf("%s of v%d on current data is %s < %s", t.Metric, ch.Version, a, b)})
		}
		if t.Above != nil && v > *t.Above {
			a, b := numPair(v, *t.Above)
			reasons = append(reasons, Reason{ReasonMetricAbove,
				fmt.Sprintf("%s of v%d on current data is %s > %s", t.Metric, ch.Version, a, b)})
		}
	}
	return reasons, notes
}

// driftReasons lists every column whose drift exceeds the threshold.
func driftReasons(t *DriftTrigger, cols []ColumnDrift) []Reason {
	if t == nil {
		return nil
	}
	var out []Reason
	for _, c := range cols {
		stat, name := c.PSI, "PSI"
		if t.Method == DriftKS {
			if !c.HasKS {
				continue
			}
			stat, name = c.KS, "KS"
		}
		if !(stat > t.Threshold) {
			continue
		}
		col := c.Column
		if col == "" {
			col = "all columns"
		}
		a, b := numPair(stat, t.Threshold)
		out = append(out, Reason{ReasonDrift,
			fmt.Sprintf("%s%s: %s %s > %s (dataset.%s)", driftPrefix, col, name, a, b, c.Dataset)})
	}
	return out
}

// driftPrefix starts every drift reason ("drift in monthly_charges: PSI
// 0.34 > 0.2 (dataset.churn)").
const driftPrefix = "drift in "

// IsDriftReason reports whether a recorded reason (a version keeps its
// reasons as text) is a drift trigger's: a batch job collected by a later
// apply knows why it was trained only from its record.
func IsDriftReason(msg string) bool {
	return strings.HasPrefix(msg, driftPrefix)
}

// num renders a metric or statistic with up to 6 significant digits.
func num(f float64) string {
	return strconv.FormatFloat(f, 'g', 6, 64)
}

// numPair renders a value and the bound it is compared with, with as few
// significant digits as keep them apart: "0.31 > 0.2", "0.8496 < 0.85".
func numPair(v, bound float64) (string, string) {
	for _, prec := range []int{3, 6} {
		a, b := strconv.FormatFloat(v, 'g', prec, 64), strconv.FormatFloat(bound, 'g', prec, 64)
		if a != b {
			return a, b
		}
	}
	return strconv.FormatFloat(v, 'g', -1, 64), strconv.FormatFloat(bound, 'g', -1, 64)
}
