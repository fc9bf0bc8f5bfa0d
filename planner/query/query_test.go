package query

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mlform/mlform/internal/wanterr"
	"github.com/mlform/mlform/internal/wanttext"
	"github.com/mlform/mlform/state"
)

var t0 = time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)

func fixture() *state.State {
	in1 := state.Inputs{
		Snapshots: map[string]string{"churn": "snapA"}, CodeHash: "code1", CodeFiles: 3,
		Params: map[string]any{"learning_rate": 0.05, "epochs": 30.0}, Environment: "trainer", EnvFingerprint: "env1",
		Command: []string{"./trainer", "train"}, Digest: "d1",
	}
	in2 := in1
	in2.Params = map[string]any{"learning_rate": 0.08, "epochs": 30.0}
	in2.Digest = "d2"
	in4 := in2
	in4.Snapshots = map[string]string{"churn": "snapB"}
	return &state.State{
		Datasets: map[string]*state.Dataset{"churn": {Name: "churn", Snapshots: []*state.Snapshot{
			{ID: "snapA", CreatedAt: t0, Files: 2, Bytes: 100},
		}}},
		Models: map[string]*state.Model{"churn": {
			Name: "churn", NextVersion: 5,
			Versions: []*state.Version{
				{Version: 1, Status: state.StatusSucceeded, Inputs: in1, StartedAt: t0, EndedAt: t0.Add(time.Minute),
					Metrics: map[string]float64{"accuracy": 0.87, "loss": 0.3}, Reasons: []string{"model.churn has no version yet"},
					Host: "ci-1", User: "alice", GitCommit: "abc123", ArtifactsID: "art1", LogsID: "log1", Description: "churn\x1b[31m model"},
				{Version: 2, Status: state.StatusSucceeded, Inputs: in2, StartedAt: t0.Add(24 * time.Hour),
					Metrics: map[string]float64{"accuracy": 0.91, "f1": 0.5}, Reasons: []string{"params changed: learning_rate"}},
				{Version: 3, Status: state.StatusFailed, Inputs: in2, StartedAt: t0.Add(48 * time.Hour), ExitCode: 2, Error: "exit status 2"},
				{Version: 4, Status: state.StatusSucceeded, Inputs: in4, StartedAt: t0.Add(72 * time.Hour),
					Metrics: map[string]float64{"accuracy": 0.8}},
			},
			Evaluations: []*state.Evaluation{{Version: 1, Snapshots: map[string]string{"churn": "snapB0123456789"}, Status: state.StatusSucceeded,
				Metrics: map[string]float64{"accuracy": 0.7}, At: t0.Add(96 * time.Hour)}},
			Aliases: map[string]*state.Alias{
				"production": {Name: "production", Version: 1, History: []*state.AliasMove{
					{From: 0, To: 1, At: t0.Add(2 * time.Minute), By: "alice", Promotion: "churn_production", PlanDigest: "plan1234567890abcdef"},
					{From: 1, To: 2, At: t0.Add(24*time.Hour + time.Minute), By: "bob", Promotion: "churn_production"},
					{From: 2, To: 1, At: t0.Add(50 * time.Hour), By: "carol", Reason: "pinned by version = 1 (rollback from v2)"},
				}},
				"staging": {Name: "staging", Version: 4},
			},
		}},
	}
}

func TestVersions(t *testing.T) {
	r, err := Versions(fixture(), "model.churn")
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		v       int
		changed string
		aliases string
	}{
		{1, "new", "production"},
		{2, "params.learning_rate", ""},
		{3, "", ""}, // same inputs as v2, failed
		{4, "dataset.churn", "staging"},
	}
	if len(r.Versions) != len(want) {
		t.Fatalf("%d rows", len(r.Versions))
	}
	for i, w := range want {
		row := r.Versions[i]
		if row.Version != w.v || strings.Join(row.Changed, ",") != w.changed || strings.Join(row.Aliases, ",") != w.aliases {
			t.Errorf("row %d = v%d changed %q aliases %q, want v%d %q %q", i, row.Version, row.Changed, row.Aliases, w.v, w.changed, w.aliases)
		}
	}
	out := written(t, WriteVersions, r)
	for _, s := range []string{"VERSION", "v2  ", "params.learning_rate", "accuracy=0.91 f1=0.5", "failed", "(nothing)", "error: exit status 2", "production"} {
		if !strings.Contains(out, s) {
			t.Errorf("versions table lacks %q:\n%s", s, out)
		}
	}
}

// TestVersionsForgottenPredecessor: a version whose predecessors are no
// longer in the state (retention forgot them) is not called new; one
// compared with an older version than the one before it says which.
func TestVersionsForgottenPredecessor(t *testing.T) {
	tests := []struct {
		name   string
		keep   []int // version numbers left in fixture()'s model
		failed []int // of those, the ones made failed attempts
		json   []string
		since  []int
		column []string
	}{
		{"all kept", []int{1, 2, 3, 4}, nil,
			[]string{"new", "params.learning_rate", "", "dataset.churn"}, []int{0, 1, 2, 2},
			[]string{"new", "params.learning_rate", "(nothing)", "dataset.churn"}},
		{"first forgotten", []int{2, 3, 4}, nil,
			[]string{"unknown", "", "dataset.churn"}, []int{0, 2, 2},
			[]string{"unknown (earlier versions not in state)", "(nothing)", "dataset.churn"}},
		{"only the last kept", []int{4}, nil,
			[]string{"unknown"}, []int{0},
			[]string{"unknown (earlier versions not in state)"}},
		{"direct predecessor forgotten", []int{1, 4}, nil,
			[]string{"new", "dataset.churn,params.learning_rate"}, []int{0, 1},
			[]string{"new", "dataset.churn, params.learning_rate (since v1)"}},
		{"a failed attempt kept, the versions before it forgotten", []int{3, 4}, nil,
			[]string{"unknown", "unknown"}, []int{0, 0},
			[]string{"unknown (earlier versions not in state)", "unknown (earlier versions not in state)"}},
		{"every earlier attempt recorded and failed", []int{1, 2, 3, 4}, []int{1, 2},
			[]string{"new", "new", "new", "new"}, []int{0, 0, 0, 0},
			[]string{"new", "new", "new", "new"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fixture()
			m := s.Models["churn"]
			var kept []*state.Version
			for _, v := range m.Versions {
				for _, n := range tt.keep {
					if v.Version == n {
						kept = append(kept, v)
					}
				}
				if slices.Contains(tt.failed, v.Version) {
					v.Status = state.StatusFailed
				}
			}
			m.Versions = kept
			r, err := Versions(s, "model.churn")
			if err != nil {
				t.Fatal(err)
			}
			out := written(t, WriteVersions, r)
			lines := strings.Split(strings.TrimSpace(out), "\n")[1:]
			if len(r.Versions) != len(tt.json) || len(lines) != len(tt.json) {
				t.Fatalf("%d rows, %d lines, want %d:\n%s", len(r.Versions), len(lines), len(tt.json), out)
			}
			for i, row := range r.Versions {
				if got := strings.Join(row.Changed, ","); got != tt.json[i] || row.ChangedSince != tt.since[i] {
					t.Errorf("v%d: changed %q since %d, want %q since %d", row.Version, got, row.ChangedSince, tt.json[i], tt.since[i])
				}
				if !strings.Contains(lines[i], "  "+tt.column[i]+"  ") {
					t.Errorf("v%d: row lacks CHANGED %q:\n%s", row.Version, tt.column[i], lines[i])
				}
			}
		})
	}
}

func TestAddressErrors(t *testing.T) {
	s := fixture()
	tests := []struct {
		name string
		run  func() error
		want string
	}{
		{"versions of a version", func() error { _, err := Versions(s, "model.churn@2"); return err }, `want model.NAME (one version: mlform lineage model.churn@2)`},
		{"versions of a dataset", func() error { _, err := Versions(s, "dataset.churn"); return err }, `want model.NAME (a dataset's snapshots: mlform snapshots dataset.churn)`},
		{"versions bad kind", func() error { _, err := Versions(s, "modle.churn"); return err }, `unknown kind "modle"`},
		{"versions unknown model", func() error { _, err := Versions(s, "model.fraud"); return err }, "model.fraud is not in the state (recorded: model.churn)"},
		{"versions empty state", func() error { _, err := Versions(&state.State{}, "model.fraud"); return err }, "no model has been trained yet"},
		{"lineage needs a version", func() error { _, err := Lineage(s, "model.churn"); return err }, "names no version"},
		{"lineage version 0", func() error { _, err := Lineage(s, "model.churn@0"); return err }, "not a version number"},
		{"lineage trailing junk", func() error { _, err := Lineage(s, "model.churn@7x"); return err }, "not a version number"},
		{"lineage missing version", func() error { _, err := Lineage(s, "model.churn@9"); return err }, "model.churn has no version 9 (versions: v1, v2, v3, v4)"},
		{"lineage of a submitted version", func() error {
			s := fixture()
			s.Models["churn"].Running = []*state.RunningAttempt{{Version: 5, Executor: "slurm", JobID: "52", SubmittedAt: t0}}
			_, err := Lineage(s, "model.churn@5")
			return err
		}, "v5 of model.churn is not recorded yet: it was submitted as slurm job 52 and an apply collects it (versions: v1, v2, v3, v4)"},
		{"lineage missing alias", func() error { _, err := Lineage(s, "model.churn@prod"); return err }, `no alias "prod" (aliases: production, staging)`},
		{"lineage alias written like a version", func() error { _, err := Lineage(s, "model.churn@v3"); return err }, `model.churn@v3: model.churn has no alias "v3" (aliases: production, staging); a version is written without the v: model.churn@3`},
		{"history of an alias written like a version", func() error { _, err := History(s, "model.churn@v1", ""); return err }, `no alias "v1" (aliases: production, staging); a version is written without the v: model.churn@1`},
		{"lineage alias starting with v", func() error { _, err := Lineage(s, "model.churn@vnext"); return err }, `no alias "vnext" (aliases: production, staging)`},
		{"history needs an alias", func() error { _, err := History(s, "model.churn@2", ""); return err }, "want model.NAME@ALIAS"},
		{"history bad at", func() error { _, err := History(s, "model.churn@production", "yesterday"); return err }, `-at="yesterday": want a date`},
		{"metrics diff bad second", func() error { _, err := DiffMetrics(s, "model.churn@1", "churn@2"); return err }, "metrics diff: address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run()
			wanterr.Check(t, err, tt.want)
		})
	}
}

func TestLineage(t *testing.T) {
	s := fixture()
	for _, addr := range []string{"model.churn@1", "model.churn@production"} {
		r, err := Lineage(s, addr)
		if err != nil {
			t.Fatal(err)
		}
		if r.Version.Version != 1 || !r.Snapshots[0].Recorded || r.Previous != 0 {
			t.Fatalf("%s: %+v", addr, r)
		}
	}
	r, err := Lineage(s, "model.churn@4")
	if err != nil {
		t.Fatal(err)
	}
	if r.Snapshots[0].Recorded || r.Previous != 2 || len(r.Changes) != 1 {
		t.Fatalf("v4 lineage: %+v", r)
	}
	r1, _ := Lineage(s, "model.churn@1")
	out := squash(written(t, WriteLineage, r) + written(t, WriteLineage, r1))
	for _, want := range []string{
		"# model.churn@4", "dataset.churn  snapB  (no longer recorded", "changed since v2:", "~ dataset.churn snapA -> snapB",
		"params.learning_rate  0.05", "code  code1  3 files", "environment.trainer  env1", `command  ["./trainer","train"]`,
		"ran by:       alice on ci-1", "git commit:   abc123", "artifacts:    art1", "logs:         log1", "accuracy  0.87",
		"description:  churn [31m model", "- model.churn has no version yet",
		"evaluations (evaluate step):\n  2026-01-09 12:00:00Z churn@snapB0123456 succeeded accuracy=0.7",
	} {
		if !strings.Contains(out, squash(want)) {
			t.Errorf("lineage lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b") {
		t.Error("a control character from state reached the output")
	}
}

func TestHistoryAt(t *testing.T) {
	s := fixture()
	tests := []struct {
		at      string
		version int
		during  int
		text    string
	}{
		{"", 0, 0, "v2 -> v1"},
		{"2026-01-04", 0, 0, "did not exist at the end of 2026-01-04"},
		{"2026-01-05T12:01:00Z", 0, 0, "did not exist at 2026-01-05 12:01:00Z"},
		{"2026-01-05T12:02:00Z", 1, 0, "was v1 at 2026-01-05 12:02:00Z (since 2026-01-05 12:02:00Z)"},
		{"2026-01-05", 1, 1, "was v1 at the end of 2026-01-05 (UTC)"},
		{"2026-01-06 18:00", 2, 0, "was v2 at 2026-01-06 18:00:00Z"},
		{"2026-01-07", 1, 1, "moves on 2026-01-07:\n  2026-01-07 14:00:00Z  v2 -> v1  by carol"},
		{"2026-01-08T00:00:00+02:00", 1, 0, "was v1 at 2026-01-07 22:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.at, func(t *testing.T) {
			r, err := History(s, "model.churn@production", tt.at)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Moves) != 3 || r.Current != 1 {
				t.Fatalf("moves %d current %d", len(r.Moves), r.Current)
			}
			if tt.at != "" && (r.At.Version != tt.version || len(r.At.During) != tt.during) {
				t.Fatalf("at %s: v%d during %d, want v%d during %d", tt.at, r.At.Version, len(r.At.During), tt.version, tt.during)
			}
			if out := written(t, WriteHistory, r); !strings.Contains(out, tt.text) {
				t.Fatalf("output lacks %q:\n%s", tt.text, out)
			}
		})
	}
}

func TestDiffMetrics(t *testing.T) {
	d, err := DiffMetrics(fixture(), "model.churn@production", "model.churn@2")
	if err != nil {
		t.Fatal(err)
	}
	if d.A.Addr != "model.churn@1" || d.B.Addr != "model.churn@2" {
		t.Fatalf("refs %+v %+v", d.A, d.B)
	}
	wanttext.Check(t, written(t, WriteMetricsDiff, d), []string{
		"TRAIN METRIC  model.churn@1  model.churn@2  DELTA",
		"accuracy      0.87           0.91           +0.04",
		"f1            -              0.5            -",
		"loss          0.3            -              -",
		"~ params.learning_rate: 0.05 -> 0.08",
	}, nil)
	b, err := json.Marshal(d)
	if err != nil || !strings.Contains(string(b), `"path":"params.learning_rate"`) {
		t.Fatalf("json %s %v", b, err)
	}
	same, _ := DiffMetrics(fixture(), "model.churn@2", "model.churn@3")
	if out := written(t, WriteMetricsDiff, same); !strings.Contains(out, "(none: same inputs)") {
		t.Fatalf("same inputs:\n%s", out)
	}
}

// TestMetricsDiffShowsDifferences: a row count is shown in full, and two
// values that differ never print the same (six significant digits made
// 1634567 and 1634568 both 1.63457e+06, and 0.8534375 and 0.8534371 both
// 0.853437, beside a non-zero delta).
func TestMetricsDiffShowsDifferences(t *testing.T) {
	s := fixture()
	vs := s.Models["churn"].Versions
	vs[0].Metrics = map[string]float64{"rows": 1634567, "accuracy": 0.8534375, "auc": 0.5}
	vs[1].Metrics = map[string]float64{"rows": 1634568, "accuracy": 0.8534371, "auc": 0.75}
	d, err := DiffMetrics(s, "model.churn@1", "model.churn@2")
	if err != nil {
		t.Fatal(err)
	}
	wanttext.Check(t, written(t, WriteMetricsDiff, d), []string{
		"accuracy      0.8534375      0.8534371      -4e-07",
		"auc           0.5            0.75           +0.25",
		"rows          1634567        1634568        +1",
	}, nil)
}

// TestHistoryAtPrintedSecond: history prints times to the second, so a
// time copied from its WHEN column covers that second: the move printed
// with it counts (it was made 0.4 s into the second).
func TestHistoryAtPrintedSecond(t *testing.T) {
	moved := time.Date(2026, 1, 9, 9, 0, 1, 400_000_000, time.UTC)
	s := &state.State{Models: map[string]*state.Model{"churn": {Name: "churn", NextVersion: 2,
		Versions: []*state.Version{{Version: 1, Status: state.StatusSucceeded}},
		Aliases: map[string]*state.Alias{"production": {Name: "production", Version: 1,
			History: []*state.AliasMove{{To: 1, At: moved, By: "alice"}}}},
	}}}
	r, err := History(s, "model.churn@production", "")
	if err != nil {
		t.Fatal(err)
	}
	if out := written(t, WriteHistory, r); !strings.Contains(out, "2026-01-09 09:00:01Z  (new) -> v1") {
		t.Fatalf("history:\n%s", out)
	}
	for _, tt := range []struct {
		at      string
		version int
		text    string
	}{
		{"2026-01-09T09:00:00Z", 0, "did not exist at 2026-01-09 09:00:00Z"},
		{"2026-01-09T09:00:01Z", 1, "was v1 at 2026-01-09 09:00:01Z (since 2026-01-09 09:00:01Z)"},
		{"2026-01-09T10:00:01+01:00", 1, "was v1 at 2026-01-09 09:00:01Z"},
		{"2026-01-09 09:00:01", 1, "was v1 at 2026-01-09 09:00:01Z"},
		{"2026-01-09 09:00", 0, "did not exist at 2026-01-09 09:00:00Z"},
		// As history's WHEN column prints it, and as plans print times.
		{"2026-01-09 09:00:01Z", 1, "was v1 at 2026-01-09 09:00:01Z"},
		{"2026-01-09 09:00:00Z", 0, "did not exist at 2026-01-09 09:00:00Z"},
		{"2026-01-09 09:01 UTC", 1, "was v1 at 2026-01-09 09:01:00Z"},
		{"2026-01-09T09:01Z", 1, "was v1 at 2026-01-09 09:01:00Z"},
		{"2026-01-09T09:00:01.2Z", 0, "did not exist at 2026-01-09 09:00:01Z"},
		{"2026-01-09T09:00:01.4Z", 1, "was v1 at 2026-01-09 09:00:01Z"},
	} {
		t.Run(tt.at, func(t *testing.T) {
			r, err := History(s, "model.churn@production", tt.at)
			if err != nil {
				t.Fatal(err)
			}
			if out := written(t, WriteHistory, r); r.At.Version != tt.version || !strings.Contains(out, tt.text) {
				t.Fatalf("-at %s: v%d, want v%d; output lacks %q:\n%s", tt.at, r.At.Version, tt.version, tt.text, out)
			}
		})
	}
}

func FuzzParseAt(f *testing.F) {
	for _, s := range []string{"2026-01-05", "2026-01-05T12:00:00Z", "2026-01-05 12:00", "x", "2026-13-40"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tm, date, err := ParseAt(s)
		if err != nil {
			if !strings.Contains(err.Error(), "-at=") {
				t.Fatalf("error does not name the flag: %v", err)
			}
			return
		}
		if date && (tm.Hour() != 0 || tm.Location() != time.UTC) {
			t.Fatalf("date %q parsed to %v", s, tm)
		}
	})
}

// squash collapses runs of spaces so checks do not depend on column
// widths.
func squash(s string) string {
	for strings.Contains(s, "  ") {
		s = strings.ReplaceAll(s, "  ", " ")
	}
	return s
}

// written is the text write makes of the report r, as the command
// prints it.
func written[R any](t *testing.T, write func(io.Writer, R) error, r R) string {
	t.Helper()
	var buf bytes.Buffer
	if err := write(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// A difference beyond float64 (1e308 - -1e308) is written as "+Inf", never
// failing the JSON document.
func TestMetricRowJSONNonFinite(t *testing.T) {
	a, b := -1e308, 1e308
	d := b - a
	nan := math.NaN()
	for _, tt := range []struct {
		row  MetricRow
		want string
	}{
		{MetricRow{Name: "m", A: &a, B: &b, Delta: &d}, `{"name":"m","a":-1e+308,"b":1e+308,"delta":"+Inf"}`},
		{MetricRow{Name: "n", A: &nan}, `{"name":"n","a":"NaN","b":null,"delta":null}`},
	} {
		got, err := json.Marshal(tt.row)
		if err != nil || string(got) != tt.want {
			t.Errorf("Marshal = %s, %v; want %s", got, err, tt.want)
		}
	}
}

// TestVersionsRunning: attempts a batch executor still runs are listed
// after the recorded versions with where they run, so `versions` agrees
// with `plan` about a job apply has not collected yet.
func TestVersionsRunning(t *testing.T) {
	tests := []struct {
		name    string
		running *state.RunningAttempt
		status  string
		table   string
	}{
		{"queued", &state.RunningAttempt{Version: 6, Executor: "slurm", JobID: "1234", SubmittedAt: t0.Add(100 * time.Hour)},
			"submitted", "slurm job 1234 (apply collects it)"},
		{"running on a node", &state.RunningAttempt{Version: 5, Executor: "slurm", JobID: "77", Node: "node-3",
			SubmittedAt: t0.Add(100 * time.Hour), StartedAt: t0.Add(101 * time.Hour)},
			"running", "slurm job 77 on node-3 (apply collects it)"},
		{"killed while submitting", &state.RunningAttempt{Version: 5, Executor: "slurm", SubmittedAt: t0.Add(100 * time.Hour)},
			"submitted", "slurm job (being submitted) (apply collects it)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fixture()
			tt.running.Draft = &state.Version{Version: tt.running.Version, Inputs: s.Models["churn"].Versions[3].Inputs,
				Reasons: []string{"dataset.churn changed"}}
			s.Models["churn"].Running = []*state.RunningAttempt{tt.running}
			r, err := Versions(s, "model.churn")
			if err != nil {
				t.Fatal(err)
			}
			last := r.Versions[len(r.Versions)-1]
			if len(r.Versions) != 5 || last.Version != tt.running.Version || last.Status != tt.status || strings.Join(last.Changed, ",") != "" {
				t.Fatalf("last row %+v of %d, want v%d %s with nothing changed since v4", last, len(r.Versions), tt.running.Version, tt.status)
			}
			if out := written(t, WriteVersions, r); !strings.Contains(out, tt.table+"; dataset.churn changed") {
				t.Errorf("table lacks %q:\n%s", tt.table, out)
			}
		})
	}
}

func TestParseAddressOrModule(t *testing.T) {
	tests := []struct {
		in   string
		want string // the parsed address, or the error
	}{
		{"module.region", "module.region (module)"},
		{`module.region["eu"]`, `module.region["eu"] (module)`},
		{`module.a[0].module.b`, `module.a[0].module.b (module)`},
		{`model.module.region["eu"].churn@3`, `model.module.region["eu"].churn@3`},
		{"model.churn", "model.churn"},
		{"module.9x", "not a valid module path"},
		{`module.region["e u"]`, "not a valid module path"},
		// What a shell leaves of module.region["eu"] without single quotes.
		{`module.region[eu]`, `instance key [eu] must be quoted: ["eu"]`},
		{`model.module.region[eu].churn@3`, `instance key [eu] must be quoted: ["eu"]`},
		{`model.module.a["x"].module.b[k1].churn`, `instance key [k1] must be quoted: ["k1"]`},
		{"modle.churn", `unknown kind "modle"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			a, err := ParseAddressOrModule(tt.in)
			got := a.String()
			if a.Kind == state.AddrModule {
				got += " (module)"
			}
			if err != nil {
				got = err.Error()
			}
			if !strings.Contains(got, tt.want) {
				t.Errorf("ParseAddressOrModule(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestParseAddressModule: where one dataset or model is wanted, a whole
// module says so and how to name an object in it (it said: unknown kind
// "module"), and an unquoted key in it says how to quote it.
func TestParseAddressModule(t *testing.T) {
	for in, want := range map[string]string{
		`module.region["eu"]`: `address "module.region[\"eu\"]" is a module: name one object in it, like module.region["eu"].model.NAME`,
		`module.region`:       `address "module.region" is a module: name one object in it, like module.region.model.NAME`,
		`module.region[eu]`:   `instance key [eu] must be quoted: ["eu"]`,
		`modle.churn`:         `unknown kind "modle"`,
	} {
		_, err := ParseAddress(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseAddress(%q) = %v, want %q", in, err, want)
		}
	}
}

// TestUnknownModelInFleet: versions of a model the state lacks, in a
// fleet, lists a few recorded models and counts the rest.
func TestUnknownModelInFleet(t *testing.T) {
	s := state.New()
	for i := 0; i < 1000; i++ {
		s.EnsureModel(fmt.Sprintf(`m["k%03d"]`, i))
	}
	_, err := Versions(s, "model.nope")
	if err == nil || !strings.HasSuffix(err.Error(), `model.m["k019"] and 980 more)`) {
		t.Errorf("Versions(model.nope) error = %.300v", err)
	}
}
