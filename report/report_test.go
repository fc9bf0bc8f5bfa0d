package report

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlform/mlform/report/browser"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func buildFixture(t *testing.T, withPlan bool) (string, *Result, *fixture) {
	t.Helper()
	f := newFixture(t)
	defer f.Stores.Close()
	in := Input{State: f.State, Config: f.Config, Stores: f.Stores, Now: t0.Add(120 * time.Hour), Version: "test"}
	if withPlan {
		in.Plan = testPlan()
	}
	out := filepath.Join(t.TempDir(), "site")
	res, err := Build(context.Background(), in, out)
	if err != nil {
		t.Fatal(err)
	}
	return out, res, f
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
			b, err := os.ReadFile(filepath.Join(out, p))
			if err != nil {
				t.Fatal(err)
			}
			got, err := outline(string(b))
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
				t.Errorf("%s differs from %s (run go test ./report -update and review the diff):\n%s", p, golden, firstDiff(string(w), got))
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
		b, err := os.ReadFile(filepath.Join(out, p))
		must(t, err)
		ext, err := browser.External(string(b))
		must(t, err)
		if len(ext) > 0 {
			t.Errorf("%s loads or links outside the site: %v", p, ext)
		}
	}
}

// TestEscaping: user-controlled strings from the state never become markup.
func TestEscaping(t *testing.T) {
	out, _, _ := buildFixture(t, false)
	b, err := os.ReadFile(filepath.Join(out, "model-churn.html"))
	must(t, err)
	page := string(b)
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
	b, err := os.ReadFile(filepath.Join(out, "model-churn.html"))
	must(t, err)
	charts, err := browser.MetricCharts(string(b))
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

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return fmt.Sprintf("line %d:\n  want: %s\n  got:  %s", i+1, x, y)
		}
	}
	return ""
}
