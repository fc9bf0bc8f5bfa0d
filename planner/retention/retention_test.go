package retention

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/mlform/mlform/config"
	"github.com/mlform/mlform/planner/internal/plannertest"
	"github.com/mlform/mlform/planner/plans"
	"github.com/mlform/mlform/state"
)

var testNow = time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)

func TestDecideRetention(t *testing.T) {
	day := 24 * time.Hour
	// Snapshot and version i are 100-i days old.
	for _, tc := range []struct {
		name    string
		st      *state.State
		ds, mr  *config.Retention
		alias   map[int]time.Time // production moves to version at time (in order)
		protect map[int]string
		used    []int // snapshots this plan's actions use
		want    string
	}{
		{name: "keep last versions", st: plannertest.RetentionState(testNow, 1, "ok:1", "ok:1", "ok:1", "ok:1", "ok:1"), mr: &config.Retention{KeepLast: 2},
			want: "model.m@1: not among the last 2 | model.m@2: not among the last 2 | model.m@3: not among the last 2"},
		{name: "aliased version kept", st: plannertest.RetentionState(testNow, 1, "ok:1", "ok:1", "ok:1", "ok:1"), mr: &config.Retention{KeepLast: 1},
			alias: map[int]time.Time{1: testNow.Add(-99 * day)},
			want:  "model.m@2: not among the last 1 | model.m@3: not among the last 1"},
		{name: "alias history within window", st: plannertest.RetentionState(testNow, 1, "ok:1", "ok:1", "ok:1", "ok:1"), mr: &config.Retention{KeepWithin: 30 * day},
			// production: v1 from day -99 until day -20, then v2.
			alias: map[int]time.Time{1: testNow.Add(-99 * day), 2: testNow.Add(-20 * day)},
			want:  "model.m@3: older than 30d"},
		{name: "alias history before window", st: plannertest.RetentionState(testNow, 1, "ok:1", "ok:1", "ok:1", "ok:1"), mr: &config.Retention{KeepWithin: 30 * day},
			alias: map[int]time.Time{1: testNow.Add(-99 * day), 2: testNow.Add(-40 * day)},
			want:  "model.m@1: older than 30d | model.m@3: older than 30d"},
		{name: "keep_last window covers alias history", st: plannertest.RetentionState(testNow, 1, "ok:1", "ok:1", "ok:1", "ok:1"), mr: &config.Retention{KeepLast: 2},
			// The kept window starts when v3 (oldest of the last 2) started, day -97; v1 was production until day -96.
			alias: map[int]time.Time{1: testNow.Add(-99 * day), 4: testNow.Add(-96 * day)},
			want:  "model.m@2: not among the last 2"},
		{name: "rollback target replaced as the kept version started", st: plannertest.RetentionState(testNow, 1, "ok:1", "ok:1", "ok:1", "ok:1"), mr: &config.Retention{KeepLast: 1},
			// One clock (-now): v4 started at day -96 and was promoted at
			// that same instant, so v1 was production when the kept
			// window began: it is the rollback target and stays.
			alias: map[int]time.Time{1: testNow.Add(-99 * day), 4: testNow.Add(-96 * day)},
			want:  "model.m@2: not among the last 1 | model.m@3: not among the last 1"},
		{name: "failed attempts do not count", st: plannertest.RetentionState(testNow, 1, "ok:1", "fail:1", "ok:1", "fail:1", "fail:1"), mr: &config.Retention{KeepLast: 1},
			want: "model.m@1: not among the last 1 | model.m@2: failed attempt, not among the last 1"},
		{name: "either rule keeps", st: plannertest.RetentionState(testNow, 1, "ok:1", "ok:1", "ok:1"), mr: &config.Retention{KeepLast: 1, KeepWithin: 98*day + time.Hour},
			want: "model.m@1: not among the last 1, older than 2353h"},
		{name: "protected version", st: plannertest.RetentionState(testNow, 1, "ok:1", "ok:1", "ok:1"), mr: &config.Retention{KeepLast: 1},
			protect: map[int]string{1: "pinned"}, want: "model.m@2: not among the last 1"},
		{name: "snapshots follow versions", st: plannertest.RetentionState(testNow, 4, "ok:1", "ok:2"), ds: &config.Retention{KeepLast: 1}, mr: &config.Retention{KeepLast: 1},
			want: "model.m@1: not among the last 1 | dataset.d@00000001: not among the last 1, used by no kept version (after model.m@1) | dataset.d@00000003: not among the last 1, used by no kept version"},
		{name: "snapshots of unmanaged model kept", st: plannertest.RetentionState(testNow, 4, "ok:1", "ok:2"), ds: &config.Retention{KeepWithin: 50 * day},
			want: "dataset.d@00000003: older than 50d, used by no kept version"},
		{name: "snapshot used by the plan kept", st: plannertest.RetentionState(testNow, 3), ds: &config.Retention{KeepLast: 1}, used: []int{1},
			want: "dataset.d@00000002: not among the last 1, used by no kept version"},
		{name: "current snapshot always kept", st: plannertest.RetentionState(testNow, 2), ds: &config.Retention{KeepWithin: time.Hour},
			want: "dataset.d@00000001: older than 1h, used by no kept version"},
		{name: "nothing to forget", st: plannertest.RetentionState(testNow, 2, "ok:1", "ok:2"), ds: &config.Retention{KeepLast: 5}, mr: &config.Retention{KeepLast: 5}, want: ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := retentionInput{Now: testNow, Datasets: map[string]*config.Retention{}, Models: map[string]*config.Retention{},
				Protected: map[string]map[int]string{"m": tc.protect}, Used: map[string]bool{}}
			if tc.ds != nil {
				in.Datasets["d"] = tc.ds
			}
			if tc.mr != nil {
				in.Models["m"] = tc.mr
			}
			for _, i := range tc.used {
				in.Used["d\x00"+tc.st.Datasets["d"].Snapshots[i-1].ID] = true
			}
			if len(tc.alias) > 0 {
				al := &state.Alias{Name: "production"}
				for v := 1; v <= len(tc.st.Models["m"].Versions); v++ {
					if at, ok := tc.alias[v]; ok {
						al.History = append(al.History, &state.AliasMove{From: al.Version, To: v, At: at})
						al.Version = v
					}
				}
				tc.st.Models["m"].Aliases["production"] = al
			}
			var got []string
			for _, a := range decideRetention(tc.st, in) {
				if err := plans.ValidateAction(a); err != nil {
					t.Errorf("%s: invalid action: %v", a.Addr, err)
				}
				line := plans.ForgetLabel(a) + ": "
				for i, r := range a.Reasons {
					if i > 0 {
						line += ", "
					}
					line += r.Message
				}
				if len(a.DependsOn) > 0 {
					line += " (after " + strings.Join(a.DependsOn, ", ") + ")"
				}
				got = append(got, line)
			}
			if g := strings.Join(got, " | "); g != tc.want {
				t.Errorf("got  %s\nwant %s", g, tc.want)
			}
		})
	}
}

// TestRetentionKeepsSnapshotsOfRunningJobs: a snapshot that only a
// batch job not collected yet (a train attempt or an evaluation) reads is
// not forgotten.
func TestRetentionKeepsSnapshotsOfRunningJobs(t *testing.T) {
	in := retentionInput{Now: testNow, Datasets: map[string]*config.Retention{"d": {KeepLast: 1}}, Models: map[string]*config.Retention{},
		Protected: map[string]map[int]string{}, Used: map[string]bool{}}
	st := plannertest.RetentionState(testNow, 4, "ok:4")
	m := st.Models["m"]
	snaps := st.Datasets["d"].Snapshots
	m.Running = []*state.RunningAttempt{{Version: 2, Step: "train", Executor: "slurm", Draft: &state.Version{Version: 2,
		Inputs: state.Inputs{Snapshots: map[string]string{"d": snaps[0].ID}}}}}
	m.Evaluating = []*state.RunningEvaluation{{Version: 1, Executor: "slurm", Snapshots: map[string]string{"d": snaps[1].ID}}}
	var got []string
	for _, a := range decideRetention(st, in) {
		got = append(got, plans.ForgetLabel(a))
	}
	if g := strings.Join(got, " | "); g != "dataset.d@00000003" {
		t.Errorf("forgets %s, want only dataset.d@00000003 (1 and 2 are read by running jobs, 4 is current and used)", g)
	}
}

// TestForgetPlanFile checks forget actions survive a saved plan and that
// a tampered one is refused.
func TestForgetPlanFile(t *testing.T) {
	st := plannertest.RetentionState(testNow, 3, "ok:1", "ok:3")
	acts := decideRetention(st, retentionInput{Now: testNow, Models: map[string]*config.Retention{"m": {KeepLast: 1}},
		Datasets: map[string]*config.Retention{"d": {KeepLast: 1}}, Used: map[string]bool{}})
	if len(acts) != 3 {
		t.Fatalf("want 3 forget actions, got %d", len(acts))
	}
	p := &plans.Plan{FormatVersion: plans.PlanFormatVersion, Lineage: st.Lineage, Refreshed: true, Actions: acts}
	var buf bytes.Buffer
	if err := plans.EncodePlan(&buf, p); err != nil {
		t.Fatal(err)
	}
	back, err := plans.DecodePlan(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Actions) != 3 || back.Actions[1].Forget == nil || back.Actions[1].Forget.Snapshot != acts[1].Forget.Snapshot {
		t.Fatalf("decoded actions differ: %+v", back.Actions)
	}
	for _, tc := range []struct {
		name string
		mod  func(a *plans.Action)
		want string
	}{
		{"other snapshot", func(a *plans.Action) { a.Forget.Snapshot = strings.Repeat("f", 64) }, "describes another object"},
		{"no payload", func(a *plans.Action) { a.Forget = nil }, "without details"},
		{"bad version address", func(a *plans.Action) { a.Addr = "model.m@01" }, "invalid address"},
		{"path in address", func(a *plans.Action) { a.Addr = "dataset.d@../x" }, "invalid address"},
		{"plain address", func(a *plans.Action) { a.Addr = "model.m" }, "needs dataset.NAME@ID"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := *acts[1]
			f := *a.Forget
			a.Forget = &f
			if tc.name == "bad version address" || tc.name == "plain address" {
				a = *acts[0]
				f := *a.Forget
				a.Forget = &f
			}
			tc.mod(&a)
			if err := plans.ValidateAction(&a); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("validateAction: %v, want %q", err, tc.want)
			}
		})
	}
}
