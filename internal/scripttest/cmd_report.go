package scripttest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/mlform/mlform/report/browser"
)

// browserCondition answers [browser]: a Chromium is installed. Under
// MLFORM_REQUIRE_BROWSER_TESTS=1 a missing one is an error, not a skip.
func browserCondition() (bool, error) {
	if _, err := browser.Find(os.Getenv); err != nil {
		if os.Getenv(browser.RequireEnv) == "1" {
			return false, fmt.Errorf("%v (%s=1)", err, browser.RequireEnv)
		}
		return false, nil
	}
	return true, nil
}

// sitelinks DIR: every link of every page in DIR resolves to a file of
// the site (and an element, for #fragments), and nothing is external.
func cmdSitelinks(ts *testscript.TestScript, neg bool, args []string) {
	problems, err := browser.CheckLinks(ts.MkAbs(args[0]))
	ts.Check(err)
	if len(problems) > 0 {
		ts.Fatalf("broken links:\n%s", strings.Join(problems, "\n"))
	}
}

// browsercheck DIR: renders every page of DIR in headless Chromium, and
// fails unless each gives a PNG screenshot (kept as DIR/../screenshots/),
// logs nothing to the console, loads nothing from outside, and every
// metric chart of a model page has exactly one point per row of that
// page's versions table.
func cmdBrowsercheck(ts *testscript.TestScript, neg bool, args []string) {
	chromium, err := browser.Find(os.Getenv)
	ts.Check(err)
	dir := ts.MkAbs(args[0])
	pages, err := filepath.Glob(filepath.Join(dir, "*.html"))
	ts.Check(err)
	shots := filepath.Join(filepath.Dir(dir), "screenshots")
	ts.Check(os.MkdirAll(shots, 0o755))
	b, err := browser.Start(context.Background(), chromium)
	ts.Check(err)
	defer b.Close()
	for _, p := range pages {
		name := filepath.Base(p)
		png := filepath.Join(shots, strings.TrimSuffix(name, ".html")+".png")
		pg, err := b.Render(context.Background(), p, png)
		ts.Check(err)
		ts.Check(browser.PNGOK(png))
		if len(pg.Console) > 0 {
			ts.Fatalf("%s: console messages:\n%s", name, strings.Join(pg.Console, "\n"))
		}
		ext, err := browser.External(pg.DOM)
		ts.Check(err)
		if len(ext) > 0 {
			ts.Fatalf("%s loads or links outside the site: %v", name, ext)
		}
		charts, err := browser.MetricCharts(pg.DOM)
		ts.Check(err)
		var want []string
		versionRow := regexp.MustCompile(`<tr id="v(\d+)"`)
		for _, m := range versionRow.FindAllStringSubmatch(pg.DOM, -1) {
			want = append(want, m[1])
		}
		sort.Strings(want)
		for _, c := range charts {
			got := append([]string(nil), c.Versions...)
			sort.Strings(got)
			if strings.Join(got, ",") != strings.Join(want, ",") {
				ts.Fatalf("%s: chart %q has points for versions [%s], want one per version [%s]", name, c.Metric, strings.Join(got, ","), strings.Join(want, ","))
			}
		}
		ts.Logf("%s: rendered, %d metric charts with %d points each", name, len(charts), len(want))
	}
}
