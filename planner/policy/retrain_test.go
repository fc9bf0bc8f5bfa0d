package policy

import (
	"strings"
	"testing"
	"time"

	"github.com/mlform/mlform/internal/wanterr"
	"github.com/mlform/mlform/state"
)

// now is Monday 2026-01-05 12:00 UTC, the scripts' MLFORM_NOW.
var now = time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)

func inputs(snap, code string, lr float64) state.Inputs {
	in := state.Inputs{
		Snapshots:      map[string]string{"churn": snap},
		CodeHash:       code,
		CodeFiles:      2,
		Params:         map[string]any{"learning_rate": lr, "epochs": 30.0},
		EnvFingerprint: "env1",
		Command:        []string{"./train"},
	}
	in.Digest, _ = InputsDigest(in)
	return in
}

func version(n int, status string, in state.Inputs, ended time.Time) *state.Version {
	return &state.Version{Version: n, Status: status, Inputs: in, StartedAt: ended.Add(-time.Minute), EndedAt: ended}
}

func sched(t *testing.T, cron string, every time.Duration) *Schedule {
	t.Helper()
	s, err := ParseSchedule(cron, every)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func f64(f float64) *float64 { return &f }

func TestDecideRetrain(t *testing.T) {
	old := inputs("snapA", "code1", 0.05)
	lastTrain := now.Add(-2 * 24 * time.Hour) // Saturday 2026-01-03 12:00
	v1 := version(1, state.StatusSucceeded, old, lastTrain)
	weekly := sched(t, "0 3 * * 1", 0) // Mondays 03:00

	tests := []struct {
		name string
		in   RetrainInput
		// want
		train       bool
		reasons     []string // substrings, "code: message", in order
		deferred    bool
		dueAt       time.Time
		deferredWhy string
	}{
		{
			name:    "new model",
			in:      RetrainInput{Model: "churn", Current: old, Now: now},
			train:   true,
			reasons: []string{"new: model.churn has no version yet"},
		},
		{
			name:    "only failed attempts",
			in:      RetrainInput{Model: "churn", Current: old, Now: now, LastAttempt: version(2, state.StatusTimedOut, old, now)},
			train:   true,
			reasons: []string{"new: model.churn has no succeeded version (v2 timed out)"},
		},
		{
			name: "no policy, up to date",
			in:   RetrainInput{Model: "churn", Current: old, Latest: v1, Now: now},
		},
		{
			name:    "no policy, any change retrains",
			in:      RetrainInput{Model: "churn", Current: inputs("snapA", "code2", 0.05), Latest: v1, Now: now},
			train:   true,
			reasons: []string{"code_changed: code changed (2 files, code1 -> code2)"},
		},
		{
			name:    "no policy, params",
			in:      RetrainInput{Model: "churn", Current: inputs("snapA", "code1", 0.08), Latest: v1, Now: now},
			train:   true,
			reasons: []string{"params_changed: params changed: learning_rate"},
		},
		{
			name:  "replace with nothing changed",
			in:    RetrainInput{Model: "churn", Current: old, Latest: v1, Now: now, Replace: true, Policy: &Policy{Cooldown: 100 * time.Hour}},
			train: true, reasons: []string{"replace: forced by -replace=model.churn"},
		},
		{
			name:    "on_change data triggers",
			in:      RetrainInput{Model: "churn", Current: inputs("snapB", "code1", 0.05), Latest: v1, Now: now, Policy: &Policy{OnChange: []string{"data"}}},
			train:   true,
			reasons: []string{"data_changed: data changed: dataset.churn snapA -> snapB"},
		},
		{
			name:    "on_change data, code change rides along",
			in:      RetrainInput{Model: "churn", Current: inputs("snapB", "code2", 0.05), Latest: v1, Now: now, Policy: &Policy{OnChange: []string{"data"}}},
			train:   true,
			reasons: []string{"data_changed: data changed", "code_changed: code changed"},
		},
		{
			name:        "on_change data only, code change waits with no schedule",
			in:          RetrainInput{Model: "churn", Current: inputs("snapA", "code2", 0.05), Latest: v1, Now: now, Policy: &Policy{OnChange: []string{"data"}}},
			deferred:    true,
			deferredWhy: "code changed, retrain deferred by policy (on_change = [data] and no schedule: waits for a trigger or -replace)",
		},
		{
			name:        "schedule only: data change deferred to next Monday 03:00",
			in:          RetrainInput{Model: "churn", Current: inputs("snapB", "code1", 0.05), Latest: v1, LastTrain: now.Add(-time.Hour), Now: now, Policy: &Policy{Schedule: weekly}},
			deferred:    true,
			dueAt:       time.Date(2026, 1, 12, 3, 0, 0, 0, time.UTC),
			deferredWhy: "data changed, retrain deferred by policy (schedule: next Mon 2026-01-12 03:00 UTC)",
		},
		{
			// every 6h is due at 18:00, but the 10h cooldown runs to
			// 22:00: the note gives the time the retrain will happen.
			name: "schedule due inside the cooldown: due when the cooldown ends",
			in: RetrainInput{Model: "churn", Current: inputs("snapB", "code1", 0.05), Latest: v1, LastTrain: now, Now: now.Add(time.Hour),
				Policy: &Policy{Schedule: sched(t, "0 3 * * *", 6*time.Hour), Cooldown: 10 * time.Hour}},
			deferred:    true,
			dueAt:       now.Add(10 * time.Hour),
			deferredWhy: "data changed, retrain deferred by policy (every: next Mon 2026-01-05 18:00 UTC, inside the cooldown 10h: due Mon 2026-01-05 22:00 UTC)",
		},
		{
			name: "schedule only: due once now passes it",
			in: RetrainInput{Model: "churn", Current: inputs("snapB", "code1", 0.05), Latest: v1, LastTrain: now.Add(-time.Hour),
				Now: time.Date(2026, 1, 12, 3, 0, 0, 0, time.UTC), Policy: &Policy{Schedule: weekly}},
			train:   true,
			reasons: []string{`schedule_due: schedule "0 3 * * 1" due since Mon 2026-01-12 03:00 UTC (last train 6d ago)`, "data_changed: data changed"},
		},
		{
			name:    "schedule-only policy, nothing changed: retrains when due and says so",
			in:      RetrainInput{Model: "churn", Current: old, Latest: v1, LastTrain: now.Add(-time.Hour), Now: time.Date(2026, 1, 12, 3, 0, 0, 0, time.UTC), Policy: &Policy{Schedule: weekly}},
			train:   true,
			reasons: []string{`schedule_due: schedule "0 3 * * 1" due since Mon 2026-01-12 03:00 UTC (last train 6d ago); no input changed: a schedule-only policy retrains on its schedule`},
		},
		{
			name: "schedule-only policy, nothing changed, not due yet: up to date",
			in:   RetrainInput{Model: "churn", Current: old, Latest: v1, LastTrain: now.Add(-time.Hour), Now: time.Date(2026, 1, 12, 2, 59, 0, 0, time.UTC), Policy: &Policy{Schedule: weekly}},
		},
		{
			name: "schedule-only policy, nothing changed, due inside the cooldown: waits",
			in: RetrainInput{Model: "churn", Current: old, Latest: v1, LastTrain: time.Date(2026, 1, 12, 1, 0, 0, 0, time.UTC), Now: time.Date(2026, 1, 12, 4, 0, 0, 0, time.UTC),
				Policy: &Policy{Schedule: sched(t, "", time.Hour), Cooldown: 6 * time.Hour}},
			deferred:    true,
			dueAt:       time.Date(2026, 1, 12, 7, 0, 0, 0, time.UTC),
			deferredWhy: "every 1h due since Mon 2026-01-12 02:00 UTC (last train 3h ago), no input changed; retrain deferred by cooldown 6h (due Mon 2026-01-12 07:00 UTC)",
		},
		{
			name: "schedule with on_change, nothing changed: up to date",
			in:   RetrainInput{Model: "churn", Current: old, Latest: v1, Now: now.Add(30 * 24 * time.Hour), Policy: &Policy{Schedule: weekly, OnChange: []string{"data"}}},
		},
		{
			name: "policy LastTrain wins over version end time",
			in: RetrainInput{Model: "churn", Current: inputs("snapB", "code1", 0.05), Latest: v1, LastTrain: now.Add(-time.Hour),
				Now: now, Policy: &Policy{Schedule: sched(t, "", 24*time.Hour)}},
			deferred:    true,
			dueAt:       now.Add(23 * time.Hour),
			deferredWhy: "data changed, retrain deferred by policy (every: next Tue 2026-01-06 11:00 UTC)",
		},
		{
			name: "last train after now (clock set back) counts as now",
			in: RetrainInput{Model: "churn", Current: inputs("snapB", "code1", 0.05), Latest: version(1, state.StatusSucceeded, old, now.Add(300*24*time.Hour)),
				Now: now, Policy: &Policy{Schedule: weekly}},
			deferred:    true,
			dueAt:       time.Date(2026, 1, 12, 3, 0, 0, 0, time.UTC),
			deferredWhy: "data changed, retrain deferred by policy (schedule: next Mon 2026-01-12 03:00 UTC)",
		},
		{
			name: "every: due",
			in: RetrainInput{Model: "churn", Current: inputs("snapB", "code1", 0.05), Latest: v1, Now: now,
				Policy: &Policy{Schedule: sched(t, "", 24*time.Hour)}},
			train:   true,
			reasons: []string{"schedule_due: every 24h due since Sun 2026-01-04 12:00 UTC (last train 2d ago)"},
		},
		{
			name: "schedule and every: the earlier due time",
			in: RetrainInput{Model: "churn", Current: inputs("snapB", "code1", 0.05), Latest: v1, Now: now.Add(-47 * time.Hour),
				Policy: &Policy{Schedule: sched(t, "@monthly", 72*time.Hour)}},
			deferred: true,
			dueAt:    lastTrain.Add(72 * time.Hour),
		},
		{
			name: "cooldown defers a trigger",
			in: RetrainInput{Model: "churn", Current: inputs("snapB", "code1", 0.05), Latest: v1, LastTrain: now.Add(-2 * time.Hour),
				Now: now, Policy: &Policy{OnChange: []string{"data"}, Cooldown: 6 * time.Hour}},
			deferred:    true,
			dueAt:       now.Add(4 * time.Hour),
			deferredWhy: "data changed: dataset.churn snapA -> snapB, retrain deferred by cooldown 6h (last train 2h ago; due Mon 2026-01-05 16:00 UTC)",
		},
		{
			name: "cooldown passed",
			in: RetrainInput{Model: "churn", Current: inputs("snapB", "code1", 0.05), Latest: v1, LastTrain: now.Add(-6 * time.Hour),
				Now: now, Policy: &Policy{OnChange: []string{"data"}, Cooldown: 6 * time.Hour}},
			train: true, reasons: []string{"data_changed"},
		},
		{
			name: "metric below threshold triggers",
			in: RetrainInput{Model: "churn", Current: inputs("snapB", "code1", 0.05), Latest: v1, Now: now,
				Champion: &Champion{Version: 1, Metrics: map[string]float64{"accuracy": 0.8496}},
				Policy:   &Policy{Metrics: []MetricTrigger{{Metric: "accuracy", Below: f64(0.85)}}}},
			train:   true,
			reasons: []string{"metric_below: accuracy of v1 on current data is 0.8496 < 0.85", "data_changed"},
		},
		{
			name: "metric above ceiling triggers",
			in: RetrainInput{Model: "churn", Current: inputs("snapB", "code1", 0.05), Latest: v1, Now: now,
				Champion: &Champion{Version: 1, Metrics: map[string]float64{"loss": 0.4}},
				Policy:   &Policy{Metrics: []MetricTrigger{{Metric: "loss", Above: f64(0.3)}}}},
			train:   true,
			reasons: []string{"metric_above: loss of v1 on current data is 0.4 > 0.3"},
		},
		{
			name: "metric within bounds: deferred",
			in: RetrainInput{Model: "churn", Current: inputs("snapB", "code1", 0.05), Latest: v1, Now: now,
				Champion: &Champion{Version: 1, Metrics: map[string]float64{"accuracy": 0.9}},
				Policy:   &Policy{Metrics: []MetricTrigger{{Metric: "accuracy", Below: f64(0.85)}}}},
			deferred: true, deferredWhy: "data changed, retrain deferred by policy (no on_change and no schedule: waits for a metric or drift trigger, or -replace)",
		},
		{
			name: "drift above threshold names the column and PSI",
			in: RetrainInput{Model: "churn", Current: inputs("snapB", "code1", 0.05), Latest: v1, Now: now,
				Drift: []ColumnDrift{
					{Dataset: "churn", Column: "tenure", PSI: 0.01, KS: 0.02, HasKS: true},
					{Dataset: "churn", Column: "monthly_charges", PSI: 0.3121, KS: 0.25, HasKS: true},
					{Dataset: "churn", Column: "contract", PSI: 0.05},
				},
				Policy: &Policy{Drift: &DriftTrigger{Method: DriftPSI, Threshold: 0.2}}},
			train:   true,
			reasons: []string{"drift: drift in monthly_charges: PSI 0.312 > 0.2 (dataset.churn)"},
		},
		{
			name: "drift below threshold: deferred",
			in: RetrainInput{Model: "churn", Current: inputs("snapB", "code1", 0.05), Latest: v1, Now: now,
				Drift:  []ColumnDrift{{Dataset: "churn", Column: "tenure", PSI: 0.19}, {Dataset: "churn", PSI: 0.2}},
				Policy: &Policy{Drift: &DriftTrigger{Method: DriftPSI, Threshold: 0.2}}},
			deferred: true,
		},
		{
			name: "drift by KS skips categorical columns",
			in: RetrainInput{Model: "churn", Current: inputs("snapB", "code1", 0.05), Latest: v1, Now: now,
				Drift:  []ColumnDrift{{Dataset: "churn", Column: "contract", PSI: 0.9}, {Dataset: "churn", Column: "tenure", KS: 0.31, HasKS: true}},
				Policy: &Policy{Drift: &DriftTrigger{Method: DriftKS, Threshold: 0.1}}},
			train:   true,
			reasons: []string{"drift: drift in tenure: KS 0.31 > 0.1 (dataset.churn)"},
		},
		{
			name: "overall drift",
			in: RetrainInput{Model: "churn", Current: inputs("snapB", "code1", 0.05), Latest: v1, Now: now,
				Drift:  []ColumnDrift{{Dataset: "churn", PSI: 0.5}},
				Policy: &Policy{Drift: &DriftTrigger{Method: DriftPSI, Threshold: 0.2}}},
			train: true, reasons: []string{"drift: drift in all columns: PSI 0.5 > 0.2 (dataset.churn)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := DecideRetrain(tt.in)
			if d.Train != tt.train || d.Deferred != tt.deferred {
				t.Fatalf("train=%v deferred=%v (%s), want train=%v deferred=%v; reasons %+v", d.Train, d.Deferred, d.DeferredWhy, tt.train, tt.deferred, d.Reasons)
			}
			if d.Train && d.Deferred {
				t.Fatal("a decision cannot both train and defer")
			}
			if d.Train && len(d.Reasons) == 0 {
				t.Fatal("a train without a reason")
			}
			if len(d.Reasons) < len(tt.reasons) {
				t.Fatalf("reasons %+v, want at least %q", d.Reasons, tt.reasons)
			}
			for i, want := range tt.reasons {
				got := d.Reasons[i].Code + ": " + d.Reasons[i].Message
				if !strings.HasPrefix(got, want) {
					t.Errorf("reason %d = %q, want prefix %q", i, got, want)
				}
			}
			if !tt.dueAt.IsZero() && !d.DueAt.Equal(tt.dueAt) {
				t.Errorf("DueAt = %v, want %v", d.DueAt, tt.dueAt)
			}
			if tt.deferredWhy != "" && !strings.HasPrefix(d.DeferredWhy, tt.deferredWhy) {
				t.Errorf("DeferredWhy = %q\nwant prefix  %q", d.DeferredWhy, tt.deferredWhy)
			}
		})
	}
}

func TestDecideRetrainNotesMissingMetric(t *testing.T) {
	v1 := version(1, state.StatusSucceeded, inputs("a", "c", 0.05), now.Add(-time.Hour))
	d := DecideRetrain(RetrainInput{Model: "m", Current: inputs("b", "c", 0.05), Latest: v1, Now: now,
		Champion: &Champion{Version: 1, Metrics: map[string]float64{"f1": 0.5}},
		Policy:   &Policy{Metrics: []MetricTrigger{{Metric: "accuracy", Below: f64(0.9)}}}})
	if d.Train || len(d.Notes) != 1 || d.Notes[0] != "metric trigger accuracy: the evaluation of v1 reports no accuracy" {
		t.Fatalf("decision %+v", d)
	}
}

func TestDecideRetrainChangesListed(t *testing.T) {
	v1 := version(1, state.StatusSucceeded, inputs("a", "c", 0.05), now.Add(-time.Hour))
	d := DecideRetrain(RetrainInput{Model: "m", Current: inputs("a", "c", 0.08), Latest: v1, Now: now})
	if len(d.Changes) != 1 || d.Changes[0].Message != "params.learning_rate: 0.05 -> 0.08" {
		t.Fatalf("changes = %+v", d.Changes)
	}
}

func TestParseSchedule(t *testing.T) {
	last := time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC) // Monday noon
	tests := []struct {
		cron  string
		every time.Duration
		want  time.Time
		rule  string
		err   string
	}{
		{cron: "0 3 * * 1", want: time.Date(2026, 1, 12, 3, 0, 0, 0, time.UTC), rule: "schedule"},
		{cron: "@daily", want: time.Date(2026, 1, 6, 0, 0, 0, 0, time.UTC), rule: "schedule"},
		{cron: "@every 90m", want: last.Add(90 * time.Minute), rule: "schedule"},
		{cron: "CRON_TZ=Europe/Paris 0 3 * * *", want: time.Date(2026, 1, 6, 2, 0, 0, 0, time.UTC), rule: "schedule"},
		{every: 168 * time.Hour, want: last.Add(168 * time.Hour), rule: "every"},
		{cron: "@weekly", every: time.Hour, want: last.Add(time.Hour), rule: "every"},
		{},
		{cron: "0 3 * *", err: `schedule "0 3 * *": expected exactly 5 fields`},
		{cron: "61 * * * *", err: "end of range (61) above maximum (59)"},
		{cron: "0 0 * * * *", err: "expected exactly 5 fields"},
		{cron: "@fortnightly", err: "unrecognized descriptor"},
		{every: -time.Hour, err: "every = -1h0m0s: must be positive"},
		{cron: "TZ=", err: `schedule "TZ=": want TZ=Zone followed by a cron expression`},
		{cron: "CRON_TZ=UTC", err: "want CRON_TZ=Zone followed by a cron expression"},
		{cron: "CRON_TZ=Nowhere/X 0 0 * * *", err: `unknown time zone "Nowhere/X"`},
	}
	for _, tt := range tests {
		t.Run(tt.cron+"/"+tt.every.String(), func(t *testing.T) {
			s, err := ParseSchedule(tt.cron, tt.every)
			if wanterr.Check(t, err, tt.err) {
				return
			}
			due, rule, ok := s.Next(last)
			if tt.want.IsZero() {
				if ok || !s.IsZero() {
					t.Fatalf("empty schedule fired at %v", due)
				}
				return
			}
			if !ok || !due.Equal(tt.want) || rule != tt.rule {
				t.Fatalf("Next = %v %s %v, want %v %s", due, rule, ok, tt.want, tt.rule)
			}
		})
	}
}

// FuzzParseSchedule: any expression either fails cleanly or yields a due
// time after the last train.
func FuzzParseSchedule(f *testing.F) {
	for _, s := range []string{"0 3 * * 1", "@weekly", "@every 1h", "CRON_TZ=UTC */5 * * * *", "0 0 31 2 *", "TZ=Nowhere/X 0 0 * * *", "CRON_TZ=Europe/Paris 30 2 * * *"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		s, err := ParseSchedule(expr, 0)
		if err != nil {
			return
		}
		if due, _, ok := s.Next(now); ok && !due.After(now) {
			t.Fatalf("%q: due %v not after %v", expr, due, now)
		}
	})
}

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{168 * time.Hour, "168h"},
		{90 * time.Minute, "1h30m"},
		{6*time.Hour + 5*time.Second, "6h0m5s"},
		{30 * time.Minute, "30m"},
		{90 * time.Second, "1m30s"},
		{45 * time.Second, "45s"},
		{1500 * time.Millisecond, "1.5s"},
	}
	for _, tt := range tests {
		if got := FormatDuration(tt.in); got != tt.want {
			t.Errorf("FormatDuration(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// A version keeps its reasons as text; IsDriftReason finds the drift
// trigger's among them (notifications of a batch job collected later).
func TestIsDriftReason(t *testing.T) {
	drift := driftReasons(&DriftTrigger{Method: "psi", Threshold: 0.2}, []ColumnDrift{{Dataset: "churn", Column: "tenure", PSI: 0.5}, {Dataset: "churn", PSI: 0.4}})
	if len(drift) != 2 {
		t.Fatalf("driftReasons = %v", drift)
	}
	tests := []struct {
		msg  string
		want bool
	}{
		{drift[0].Message, true},
		{drift[1].Message, true},
		{"data changed: dataset.churn 0a1b2c3d4e5f -> 5f4e3d2c1b0a", false},
		{"accuracy of v1 on current data is 0.7 < 0.75", false},
		{"forced by -replace=model.churn", false},
	}
	for _, tt := range tests {
		if got := IsDriftReason(tt.msg); got != tt.want {
			t.Errorf("IsDriftReason(%q) = %v, want %v", tt.msg, got, tt.want)
		}
	}
}
