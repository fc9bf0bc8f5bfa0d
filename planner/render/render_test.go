package render

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlform/mlform/internal/objname"
	"github.com/mlform/mlform/planner/plans"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

var now = time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)

const (
	idA = "19bc7d3e5a6f4b2c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e"
	idB = "77aa00112233445566778899aabbccddeeff00112233445566778899aabbccdd"
)

func basePlan() *plans.Plan {
	return &plans.Plan{
		FormatVersion: plans.PlanFormatVersion,
		CreatedAt:     now,
		MLFormVersion: "0.1.0",
		Lineage:       "5b0f8a1e-3c2d-4e5f-8a9b-0c1d2e3f4a5b",
		Serial:        7,
		ConfigDigest:  "aabbccddeeff00112233445566778899",
		Refreshed:     true,
	}
}

// fixtures are the plans every renderer is checked against.
func fixtures() map[string]*plans.Plan {
	noChanges := basePlan()

	first := basePlan()
	first.Serial = 0
	first.Actions = []*plans.Action{{
		Addr: "dataset.churn", Kind: plans.KindSnapshot,
		Reasons: []plans.Reason{{Code: plans.ReasonNew, Message: "dataset has no snapshot yet"}},
		Snapshot: &plans.SnapshotChange{Dataset: "churn", Source: "data/churn", Store: "default", NewID: idA,
			Files: 4, Bytes: 1258291, DiffKnown: true, Added: 4, AddedBytes: 1258291,
			Paths: []plans.PathChange{{Path: "a.csv", Change: "added", Delta: 1000}, {Path: "b.csv", Change: "added", Delta: 2000}}},
	}}

	full := basePlan()
	full.Actions = []*plans.Action{
		{
			Addr: "dataset.churn", Kind: plans.KindSnapshot,
			Reasons: []plans.Reason{{Code: plans.ReasonDataChanged, Message: "data changed since snapshot 19bc7d3e"}},
			Snapshot: &plans.SnapshotChange{Dataset: "churn", Source: "s3://bucket/churn?secret=REDACTED", Store: "default",
				OldID: idA, NewID: idB, Files: 12, Bytes: 5 << 20, DiffKnown: true,
				Changed: 3, Added: 1, Removed: 0, AddedBytes: 1 << 20, ChangedBytes: 209715,
				Paths: []plans.PathChange{
					{Path: "2026/01/a.csv", Change: "changed", Delta: 100000},
					{Path: "2026/01/b.csv", Change: "changed", Delta: 100000},
					{Path: "2026/01/c.csv", Change: "changed", Delta: 9715},
					{Path: "2026/01/d|pipe<b>.csv", Change: "added", Delta: 1 << 20},
				}},
		},
		{
			Addr: "model.churn", Kind: plans.KindTrain, DependsOn: []string{"dataset.churn"},
			Reasons: []plans.Reason{
				{Code: plans.ReasonDataChanged, Message: "data changed (ds:19bc.. -> new snapshot)"},
				{Code: plans.ReasonScheduleDue, Message: "schedule due (last 8d ago)", Data: map[string]any{"last": "2025-12-28T03:00:00Z"}},
			},
			Train: &plans.TrainChange{Model: "churn", Version: 6, Previous: 5, Snapshots: map[string]string{"churn": idB},
				ParamChanges: []plans.Change{
					{Path: "params.learning_rate", Old: 0.05, New: 0.08},
					{Path: "params.api_token", Old: "hunter2", New: "hunter3", Sensitive: true},
					{Path: "params.layers", New: []any{64.0, 32.0}},
				}},
		},
		{
			Addr: "promotion.churn_production", Kind: plans.KindPromote, DependsOn: []string{"model.churn"},
			Reasons: []plans.Reason{{Code: plans.ReasonCandidate, Message: "alias production moves if v6 passes 2 gates and beats v5 on accuracy"}},
			Promote: &plans.PromoteChange{Model: "churn", Promotion: "churn_production", Alias: "production", From: 5, To: 6,
				KnownAfterApply: true, Gates: 2, MustBeat: "accuracy"},
		},
		{
			Addr: "promotion.churn_production", Kind: plans.KindPublish, DependsOn: []string{"promotion.churn_production"},
			Reasons: []plans.Reason{{Code: plans.ReasonCandidate, Message: "publish follows the promotion"}},
			Publish: &plans.PublishChange{Promotion: "churn_production", Model: "churn", URL: "file://.mlform/published"},
		},
	}
	full.Notes = []*plans.Note{{Addr: "model.fraud", Code: plans.ReasonDataChanged,
		Message: "data changed, retrain deferred by policy (schedule: next Mon 03:00)", DueAt: time.Date(2026, 1, 12, 3, 0, 0, 0, time.UTC)}}
	full.Outputs = []*plans.Output{
		{Name: "production_version", Known: false},
		{Name: "snapshot", Known: true, Value: idB},
		{Name: "token", Sensitive: true, Known: true, Value: "hunter2"},
	}

	noRefresh := basePlan()
	noRefresh.Refreshed = false
	noRefresh.Targets = []string{"model.churn"}
	noRefresh.Notes = []*plans.Note{{Addr: "dataset.old", Message: "no longer declared; its snapshots stay in state"}}

	many := basePlan()
	var paths []plans.PathChange
	for _, p := range []string{"a", "b", "c", "d", "e", "f", "g"} {
		paths = append(paths, plans.PathChange{Path: p + ".csv", Change: "removed", Delta: -10})
	}
	many.Actions = []*plans.Action{{
		Addr: "dataset.logs", Kind: plans.KindSnapshot,
		Reasons: []plans.Reason{{Code: plans.ReasonDataChanged, Message: "data changed"}},
		Snapshot: &plans.SnapshotChange{Dataset: "logs", Source: "logs", Store: "default", OldID: idA, NewID: idB,
			Files: 3, Bytes: 30, DiffKnown: true, Removed: 9, RemovedBytes: 90, Paths: paths},
	}}
	retention := basePlan()
	retention.Actions = []*plans.Action{
		{
			Addr: "model.churn@3", Kind: plans.KindForget,
			Reasons: []plans.Reason{
				{Code: plans.ReasonNotAmongLast, Message: "not among the last 5", Data: map[string]any{"keep_last": 5}},
				{Code: plans.ReasonOlderThan, Message: "older than 30d", Data: map[string]any{"keep_within": "30d"}},
			},
			Forget: &plans.ForgetChange{Model: "churn", Version: 3, CreatedAt: now.Add(-40 * 24 * time.Hour)},
		},
		{
			Addr: "dataset.churn@" + idA, Kind: plans.KindForget, DependsOn: []string{"model.churn@3"},
			Reasons: []plans.Reason{
				{Code: plans.ReasonOlderThan, Message: "older than 90d", Data: map[string]any{"keep_within": "90d"}},
				{Code: plans.ReasonUnused, Message: "used by no kept version"},
			},
			Forget: &plans.ForgetChange{Dataset: "churn", Snapshot: idA, CreatedAt: now.Add(-100 * 24 * time.Hour), Bytes: 5 << 20},
		},
	}
	moved := basePlan()
	moved.Moves = []*plans.Move{{From: "model.churn", To: `model.churn["eu"]`}, {From: "dataset.sales", To: `dataset.sales["eu"]`}}
	moved.Notes = []*plans.Note{{Addr: `model.churn["us"]`, Code: plans.ReasonRemoved, Message: plans.RemovedMessage(`model.churn["us"]`, "its versions and aliases", true)}}
	return map[string]*plans.Plan{"no_changes": noChanges, "first_snapshot": first, "full": full, "no_refresh": noRefresh, "many_removed": many, "retention": retention, "moved": moved}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./planner/render -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run with -update if intended)\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestGolden(t *testing.T) {
	for name, p := range fixtures() {
		t.Run(name, func(t *testing.T) {
			var h, c, j, m bytes.Buffer
			if err := Human(&h, p, Options{}); err != nil {
				t.Fatal(err)
			}
			if err := Human(&c, p, Options{Color: true}); err != nil {
				t.Fatal(err)
			}
			if err := JSON(&j, p); err != nil {
				t.Fatal(err)
			}
			if err := Markdown(&m, p, Options{}); err != nil {
				t.Fatal(err)
			}
			golden(t, name+".human.txt", h.Bytes())
			golden(t, name+".color.txt", c.Bytes())
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, j.Bytes(), "", "  "); err != nil {
				t.Fatalf("JSON output is not JSON: %v", err)
			}
			golden(t, name+".json", pretty.Bytes())
			golden(t, name+".md", m.Bytes())
		})
	}
}

// TestNoSecrets checks that no rendering shows a sensitive value or a
// plan's raw observations.
func TestNoSecrets(t *testing.T) {
	p := fixtures()["full"]
	p.Actions[0].Snapshot.Observation = &plans.Observation{Files: []plans.ObservedFile{{Path: "observed-secret-path.csv", Size: 1, Hash: idA}}}
	var all bytes.Buffer
	_ = Human(&all, p, Options{Color: true})
	_ = JSON(&all, p)
	_ = Markdown(&all, p, Options{})
	for _, secret := range []string{"hunter2", "hunter3", "observed-secret-path"} {
		if strings.Contains(all.String(), secret) {
			t.Errorf("rendering contains %q", secret)
		}
	}
}

func TestColorOnlyWhenAsked(t *testing.T) {
	for name, p := range fixtures() {
		var b bytes.Buffer
		_ = Human(&b, p, Options{})
		_ = Markdown(&b, p, Options{Color: true})
		if strings.Contains(b.String(), "\x1b[") {
			t.Errorf("%s: escape codes without colour", name)
		}
	}
}

func TestSummaryLine(t *testing.T) {
	tests := []struct {
		kinds []string
		want  string
	}{
		{nil, "0 snapshots, 0 trains, 0 promotions, 0 removals"},
		{[]string{"snapshot", "snapshot", "train"}, "2 snapshots, 1 train, 0 promotions, 0 removals"},
		{[]string{"train", "evaluate", "promote", "publish"}, "0 snapshots, 1 train, 1 promotion, 1 evaluation, 1 publication, 0 removals"},
		{[]string{"forget", "snapshot", "forget"}, "1 snapshot, 0 trains, 0 promotions, 0 removals, 2 to forget"},
		{[]string{"remove"}, "0 snapshots, 0 trains, 0 promotions, 1 removal"},
	}
	for _, tt := range tests {
		p := basePlan()
		for i, k := range tt.kinds {
			p.Actions = append(p.Actions, &plans.Action{Kind: k, Addr: "model.m" + string(rune('a'+i))})
		}
		if got := SummaryLine(p); got != tt.want {
			t.Errorf("SummaryLine(%v) = %q, want %q", tt.kinds, got, tt.want)
		}
	}
}

func TestBytes(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{
		{0, "0 B"}, {1023, "1023 B"}, {1024, "1.0 KiB"}, {1258291, "1.2 MiB"},
		{-2048, "-2.0 KiB"}, {5 << 30, "5.0 GiB"}, {1 << 62, "4.0 EiB"},
	}
	for _, tt := range tests {
		if got := Bytes(tt.n); got != tt.want {
			t.Errorf("Bytes(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

func TestSnapshotSummary(t *testing.T) {
	tests := []struct {
		name string
		s    plans.SnapshotChange
		want string
	}{
		{"first", plans.SnapshotChange{Files: 1, Bytes: 10}, "first snapshot, 1 file (10 B)"},
		{"changed and added", plans.SnapshotChange{OldID: idA, DiffKnown: true, Changed: 3, Added: 1, AddedBytes: 1 << 20, ChangedBytes: 209715}, "3 files changed, 1 added (+1.2 MiB)"},
		{"only removed", plans.SnapshotChange{OldID: idA, DiffKnown: true, Removed: 2, RemovedBytes: 20}, "2 files removed (-20 B)"},
		{"only added", plans.SnapshotChange{OldID: idA, DiffKnown: true, Added: 1, AddedBytes: 5}, "1 file added (+5 B)"},
		{"mode only", plans.SnapshotChange{OldID: idA, DiffKnown: true}, "file metadata changed (+0 B)"},
		{"unknown diff", plans.SnapshotChange{OldID: idA, Files: 2, Bytes: 2048}, "data changed, now 2 files (2.0 KiB)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.s
			a := &plans.Action{Kind: plans.KindSnapshot, Addr: "dataset.d", Snapshot: &s}
			if got := SnapshotSummary(a); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// User-controlled text in the markdown plan (a data file's name, a
// trainer's error, a note) can make no link, image or HTML in the pull
// request comment, and cannot break out of its table cell or code span.
func TestMarkdownUserTextMakesNoMarkup(t *testing.T) {
	tests := []struct {
		name, text string
		bad        []string // what must not appear in the output
	}{
		{"image", "![x](https://evil.example/pixel.png)", []string{"![x](", "[x]("}},
		{"link", "[release notes](https://phish.example)", []string{"[release notes]("}},
		{"escaped bracket undone", `\[x\](https://evil.example/p.png)`, []string{`\\[x\\](`}},
		{"reference link", "[x]: https://evil.example", []string{"\n[x]:"}},
		{"html", `<img src="https://evil.example/p.png">`, []string{"<img"}},
		{"code span end", "a` ![x](y) `b", []string{"![x]("}},
		{"table cell", `a \| b`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &plans.Plan{
				Actions: []*plans.Action{{Addr: "model.m", Kind: plans.KindTrain,
					Reasons: []plans.Reason{{Code: "x", Message: "trainer said " + tt.text}},
					Train:   &plans.TrainChange{Model: "m", Version: 2}}},
				Notes: []*plans.Note{{Addr: "dataset.d", Message: "file " + tt.text}},
			}
			var b bytes.Buffer
			if err := Markdown(&b, p, Options{}); err != nil {
				t.Fatal(err)
			}
			// The full plan is a fenced code block, where nothing renders.
			out, _, _ := strings.Cut(b.String(), "<details>")
			for _, bad := range tt.bad {
				if strings.Contains(out, bad) {
					t.Errorf("output holds %q:\n%s", bad, out)
				}
			}
			for _, line := range strings.Split(out, "\n") {
				if strings.HasPrefix(line, "| `") && strings.Count(strings.ReplaceAll(line, `\|`, ""), "|") != 4 {
					t.Errorf("table row broken into other cells: %s", line)
				}
			}
		})
	}
}

// TestMarkdownModuleAddresses: the markdown plan's table and notes write a
// module's objects as users write them, module.region["eu"].model.m, as
// the human plan does, escaped for markdown; not the internal
// model.module.region["eu"].m, which the CLI's rewrite of its output
// cannot read once the brackets are escaped.
func TestMarkdownModuleAddresses(t *testing.T) {
	p := &plans.Plan{
		Actions: []*plans.Action{{Addr: `model.module.region["eu"].m`, Kind: plans.KindTrain,
			Reasons: []plans.Reason{{Code: "x", Message: `model.module.region["eu"].m has no version yet`}},
			Train:   &plans.TrainChange{Model: `module.region["eu"].m`, Version: 1}}},
		Notes: []*plans.Note{{Addr: `promotion.module.region["eu"].p`, Message: `waits for model.module.region["eu"].m`}},
	}
	var b bytes.Buffer
	if err := Markdown(&b, p, Options{}); err != nil {
		t.Fatal(err)
	}
	// What the CLI prints: its output writer rewrites module addresses.
	out, _, _ := strings.Cut(string(objname.DisplayText(b.Bytes())), "<details>")
	if strings.Contains(out, "model.module.") || strings.Contains(out, "promotion.module.") {
		t.Errorf("internal module address in the markdown plan:\n%s", out)
	}
	for _, want := range []string{`train module.region\["eu"\].model.m`, `module.region\["eu"\].model.m has no version yet`, `waits for module.region\["eu"\].model.m`} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown plan lacks %q:\n%s", want, out)
		}
	}
}
