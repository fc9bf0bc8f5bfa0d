package report

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mlform/mlform/report/browser"
)

// needBrowser returns the Chromium to use, or skips with one line (fails
// under MLFORM_REQUIRE_BROWSER_TESTS=1, as .ci/run sets).
func needBrowser(t *testing.T) string {
	t.Helper()
	path, err := browser.Find(os.Getenv)
	if err != nil {
		if os.Getenv(browser.RequireEnv) == "1" {
			t.Fatalf("%v (%s=1)", err, browser.RequireEnv)
		}
		t.Skipf("skipping browser test: %v", err)
	}
	return path
}

// TestBrowser renders every page of a report in headless Chromium: each
// gives a non-empty screenshot, logs nothing to the console, loads nothing
// from outside the page, and each metric chart of a model page has exactly
// one marker per recorded version. MLFORM_BROWSER_SCREENSHOTS=DIR keeps
// the screenshots for a look.
func TestBrowser(t *testing.T) {
	chromium := needBrowser(t)
	out, res, f := buildFixture(t, true)
	shots := os.Getenv("MLFORM_BROWSER_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	must(t, os.MkdirAll(shots, 0o755))
	b, err := browser.Start(context.Background(), chromium)
	must(t, err)
	defer b.Close()
	for _, p := range res.Pages {
		t.Run(p, func(t *testing.T) {
			png := filepath.Join(shots, strings.TrimSuffix(p, ".html")+".png")
			pg, err := b.Render(context.Background(), filepath.Join(out, p), png)
			if err != nil {
				t.Fatal(err)
			}
			if err := browser.PNGOK(png); err != nil {
				t.Error(err)
			}
			for _, c := range pg.Console {
				t.Errorf("console message: %s", c)
			}
			ext, err := browser.External(pg.DOM)
			must(t, err)
			if len(ext) > 0 {
				t.Errorf("rendered page loads or links outside the site: %v", ext)
			}
			charts, err := browser.MetricCharts(pg.DOM)
			must(t, err)
			if name, ok := strings.CutPrefix(strings.TrimSuffix(p, ".html"), "model-"); ok {
				m := f.State.Models[name]
				var metrics []string
				seen := map[string]bool{}
				for _, v := range m.Versions {
					for k := range v.Metrics {
						seen[k] = true
					}
				}
				metrics = slices.Sorted(maps.Keys(seen))
				checkCharts(t, charts, len(m.Versions), metrics)
			} else if len(charts) > 0 {
				t.Errorf("%s has %d metric charts, want none", p, len(charts))
			}
		})
	}
}
