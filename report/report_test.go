package report

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mlform/mlform/internal/wanttext"
	"github.com/mlform/mlform/providers/storage"
	"github.com/mlform/mlform/providers/storage/manifest"
	"github.com/mlform/mlform/report/browser"
	"github.com/mlform/mlform/state"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func buildFixture(t *testing.T, withPlan bool) (string, *Result, *fixture) {
	t.Helper()
	f := newFixture(t)
	defer f.Stores.Close()
	in := f.input()
	if withPlan {
		in.Plan = testPlan()
	}
	out, res := buildSite(t, in)
	return out, res, f
}

// buildSite writes the report of in into a new directory, which it
// returns with the result.
func buildSite(t *testing.T, in Input) (string, *Result) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "site")
	res, err := Build(context.Background(), in, out)
	if err != nil {
		t.Fatal(err)
	}
	return out, res
}

// readPage returns the page named page of the site written at out.
func readPage(t *testing.T, out, page string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(out, page))
	must(t, err)
	return string(b)
}

// TestGolden compares each page's structure (tags, ids, classes, links,
// text; charts summarised by their markers) with testdata/*.golden.
func TestGolden(t *testing.T) {
	out, res, _ := buildFixture(t, true)
	want := []string{"index.html", "lineage.html", "model-churn.html", "model-fraud.html", "dataset-churn.html", "plan.html"}
	if strings.Join(res.Pages, " ") != strings.Join(want, " ") {
		t.Fatalf("pages = %v, want %v", res.Pages, want)
	}
	if len(res.Warnings) > 0 {
		t.Errorf("warnings: %v", res.Warnings)
	}
	for _, p := range res.Pages {
		t.Run(p, func(t *testing.T) {
			got, err := outline(readPage(t, out, p))
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", strings.TrimSuffix(p, ".html")+".golden")
			if *update {
				must(t, os.WriteFile(golden, []byte(got), 0o644))
				return
			}
			w, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./report -update)", err)
			}
			if got != string(w) {
				t.Errorf("%s differs from %s (run go test ./report -update and review the diff):\n%s", p, golden, wanttext.FirstDiff("want", string(w), "got", got))
			}
		})
	}
}

// TestLinksResolve: every link of the site points at a page and an id
// that exist, and nothing is loaded from outside the page.
func TestLinksResolve(t *testing.T) {
	out, res, _ := buildFixture(t, true)
	problems, err := browser.CheckLinks(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
	for _, p := range res.Pages {
		ext, err := browser.External(readPage(t, out, p))
		must(t, err)
		if len(ext) > 0 {
			t.Errorf("%s loads or links outside the site: %v", p, ext)
		}
	}
}

// TestLinksResolveForgottenDataset: a dataset forgotten with state rm
// -force keeps the records of the snapshots versions use; its page shows
// them, so the versions' input links and the lineage graph's snapshot
// nodes resolve (they pointed at a page the report did not write).
func TestLinksResolveForgottenDataset(t *testing.T) {
	f := newFixture(t)
	defer f.Stores.Close()
	a, err := state.ParseAddress("dataset.churn")
	must(t, err)
	must(t, f.State.ForceRemove(a))
	if f.State.Datasets["churn"] != nil || f.State.RetainedSnapshots["churn"] == nil {
		t.Fatal("the fixture's dataset.churn was not forgotten with its records retained")
	}
	out, res := buildSite(t, f.input())
	if !slices.Contains(res.Pages, "dataset-churn.html") {
		t.Errorf("pages %v: no dataset-churn.html", res.Pages)
	}
	problems, err := browser.CheckLinks(out)
	must(t, err)
	for _, p := range problems {
		t.Error(p)
	}
	if !strings.Contains(readPage(t, out, "dataset-churn.html"), "Retained records") {
		t.Error("dataset-churn.html does not list the retained records")
	}
}

// TestEscaping: user-controlled strings from the state never become markup.
func TestEscaping(t *testing.T) {
	out, _, _ := buildFixture(t, false)
	page := readPage(t, out, "model-churn.html")
	for _, bad := range []string{`<script>`, `<b>not bold</b>`} {
		if strings.Contains(page, bad) {
			t.Errorf("model page contains unescaped %q", bad)
		}
	}
	if !strings.Contains(page, "&lt;script&gt;") {
		t.Errorf("the alias move's reason is missing (escaped) from the page")
	}
}

// TestMetricChartsOnePointPerVersion checks the static page; the browser
// test checks the rendered DOM the same way.
func TestMetricChartsOnePointPerVersion(t *testing.T) {
	out, _, f := buildFixture(t, false)
	charts, err := browser.MetricCharts(readPage(t, out, "model-churn.html"))
	must(t, err)
	checkCharts(t, charts, len(f.State.Models["churn"].Versions), []string{"accuracy", "loss"})
}

func checkCharts(t *testing.T, charts []browser.Chart, versions int, metrics []string) {
	t.Helper()
	var names []string
	for _, c := range charts {
		names = append(names, c.Metric)
		if len(c.Versions) != versions {
			t.Errorf("chart %s has %d points (%v), want one per version (%d)", c.Metric, len(c.Versions), c.Versions, versions)
		}
		seen := map[string]bool{}
		for _, v := range c.Versions {
			if seen[v] {
				t.Errorf("chart %s has version %s twice", c.Metric, v)
			}
			seen[v] = true
		}
	}
	if strings.Join(names, ",") != strings.Join(metrics, ",") {
		t.Errorf("metric charts = %v, want %v", names, metrics)
	}
}

// TestPartialInputs: a report is still written, and says what it could
// not show, with an empty state, without configuration or stores, and
// when the stores cannot be opened.
func TestPartialInputs(t *testing.T) {
	f := newFixture(t)
	defer f.Stores.Close()
	tests := []struct {
		name     string
		in       Input
		pages    int
		warnings []string // substrings, one warning each
		page     string
		contains []string
	}{
		{"empty state", Input{State: state.New()}, 2, nil, "index.html",
			[]string{"No model recorded yet.", "No dataset recorded yet.", "gate thresholds and executors are not shown", "rows, drift and training curves are not shown"}},
		{"state only", Input{State: f.State}, 5, nil, "model-churn.html",
			[]string{`data-metric="accuracy" data-points="5"`, "Training curves come from the stores, which this report did not read."}},
		{"unknown store", Input{State: f.State, Stores: NewStoreSet(map[string]string{}, t.TempDir())}, 5,
			[]string{`dataset.churn@a1a1a1a1a1a1: profile: store "default": no storage block`, `model.churn v1: metrics.jsonl: store "default"`},
			"dataset-churn.html", []string{"Drift needs two snapshots with column profiles", `id="warnings"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, res := buildSite(t, tt.in)
			if len(res.Pages) != tt.pages {
				t.Errorf("pages = %v, want %d", res.Pages, tt.pages)
			}
			for _, w := range tt.warnings {
				found := false
				for _, got := range res.Warnings {
					found = found || strings.Contains(got, w)
				}
				if !found {
					t.Errorf("no warning %q in %q", w, res.Warnings)
				}
			}
			if len(tt.warnings) == 0 && len(res.Warnings) > 0 {
				t.Errorf("unexpected warnings %q", res.Warnings)
			}
			page := readPage(t, out, tt.page)
			for _, c := range tt.contains {
				if !strings.Contains(page, c) {
					t.Errorf("%s lacks %q", tt.page, c)
				}
			}
		})
	}
}

// TestStoreGone: a store the state names that no longer exists (deleted
// by hand, a mistyped url) is reported as missing what the state records,
// and the report, which only reads, does not create it: neither its
// directory nor, where the place exists, its config object.
func TestStoreGone(t *testing.T) {
	f := newFixture(t)
	defer f.Stores.Close()
	for _, place := range []string{"gone", "empty"} {
		t.Run(place, func(t *testing.T) {
			base := t.TempDir()
			if place == "empty" {
				must(t, os.Mkdir(filepath.Join(base, place), 0o755))
			}
			stores := NewStoreSet(map[string]string{"default": "file://" + place}, base)
			res, err := Build(context.Background(), Input{State: f.State, Stores: stores}, filepath.Join(t.TempDir(), "site"))
			must(t, stores.Close())
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(strings.Join(res.Warnings, "\n"), "metrics.jsonl") {
				t.Errorf("no warning about the missing training curves in %q", res.Warnings)
			}
			entries, err := os.ReadDir(filepath.Join(base, place))
			switch {
			case place == "gone" && err == nil:
				t.Errorf("report created the store's directory %s", place)
			case place == "empty" && len(entries) > 0:
				t.Errorf("report wrote %s into the empty store place", entries[0].Name())
			}
		})
	}
}

// TestMetricsJSONLDamaged: a metrics.jsonl that is not JSON lines is a
// warning naming the version; the rest of the report is written.
func TestMetricsJSONLDamaged(t *testing.T) {
	f := newFixture(t)
	defer f.Stores.Close()
	ctx := context.Background()
	st, err := f.Stores.Open(ctx, "default")
	must(t, err)
	s := st.(*storage.Store)
	file, err := s.PutFile(ctx, strings.NewReader("{\"step\": 1, \"loss\": 1}\nnot json\n"))
	must(t, err)
	file.Path, file.Mode = "metrics.jsonl", 0o644
	id, err := s.PutManifest(ctx, &manifest.Manifest{Kind: manifest.KindArtifacts, Files: []manifest.File{file}})
	must(t, err)
	f.State.Models["churn"].Versions[4].ArtifactsID = id
	_, res := buildSite(t, Input{State: f.State, Stores: f.Stores})
	want := "model.churn v5: metrics.jsonl: line 2: not a JSON object"
	if len(res.Warnings) != 1 || res.Warnings[0] != want {
		t.Errorf("warnings = %q, want [%q]", res.Warnings, want)
	}
}

// TestRunningAttempt: an attempt a batch executor still runs (apply was
// killed, or ended, before the job did) is one of the model's attempts on
// every page: a row with its job and node, the latest attempt on the
// overview, and one point on each metric chart, marked as running.
func TestRunningAttempt(t *testing.T) {
	f := newFixture(t)
	defer f.Stores.Close()
	m := f.State.Models["churn"]
	draft := *m.Versions[4]
	draft.Version, draft.Reasons, draft.ArtifactsID, draft.Metrics = 6, []string{"data changed: dataset.churn"}, "", nil
	m.Running = []*state.RunningAttempt{{Version: 6, Step: "train", Executor: "slurm", JobID: "4242", SpecID: strings.Repeat("5", 64), Store: "default",
		SubmittedAt: t0.Add(110 * time.Hour), Node: "node7", StartedAt: t0.Add(111 * time.Hour), Draft: &draft}}
	m.NextVersion = 7
	must(t, f.State.Validate())
	out, _ := buildSite(t, f.input())
	page := readPage(t, out, "model-churn.html")
	for _, want := range []string{`<tr id="v6" class="kind-running">`, `<td class="status-running">running</td>`, "slurm job 4242 on node7",
		"data changed: dataset.churn", "6 attempts, 3 served, 1 held, 1 failed, 1 running.", `class="point running" data-version="6"><title>v6 accuracy: no value (running) [running]`} {
		if !strings.Contains(page, want) {
			t.Errorf("model-churn.html lacks %q", want)
		}
	}
	charts, err := browser.MetricCharts(page)
	must(t, err)
	checkCharts(t, charts, 6, []string{"accuracy", "loss"})
	if index := readPage(t, out, "index.html"); !strings.Contains(index, `v6 <span class="status-running">running</span>`) || !strings.Contains(index, "6, 1 held, 1 failed, 1 running") {
		t.Errorf("index.html does not show v6 running as the latest attempt")
	}
}
