package browser

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckLinks(t *testing.T) {
	tests := []struct {
		name  string
		pages map[string]string
		want  []string // substrings, one problem each, in order
	}{
		{"all resolve", map[string]string{
			"index.html": `<a href="b.html">b</a><a href="b.html#x">x</a><a href="#top">top</a><p id="top"></p>`,
			"b.html":     `<h1 id="x">x</h1><svg><a href="index.html"><text>i</text></a></svg>`,
		}, nil},
		{"missing file", map[string]string{"index.html": `<a href="nope.html">n</a>`}, []string{`index.html: link "nope.html": no such file`}},
		{"missing fragment", map[string]string{"index.html": `<a href="b.html#v9">n</a>`, "b.html": `<p id="v1"></p>`},
			[]string{`index.html: link "b.html#v9": b.html has no element with id "v9"`}},
		{"external", map[string]string{"index.html": `<a href="https://cdn.example/x.css">n</a><a href="//x/y">m</a>`},
			[]string{"is not a relative link", "is not a relative link"}},
		{"leaves the site", map[string]string{"index.html": `<a href="../secret.html">n</a>`}, []string{"leaves the site"}},
		{"absolute path", map[string]string{"index.html": `<a href="/etc/passwd">n</a>`}, []string{"is not a relative link"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, body := range tt.pages {
				if err := os.WriteFile(filepath.Join(dir, name), []byte("<!DOCTYPE html><html><body>"+body+"</body></html>"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := CheckLinks(dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("problems = %q, want %d like %q", got, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("problem %d = %q, want it to contain %q", i, got[i], w)
				}
			}
		})
	}
}

func TestMetricChartsAndExternal(t *testing.T) {
	dom := `<html><body><img src="x.png"><figure class="metric" data-metric="acc"><svg><circle data-version="1"></circle><path data-version="2"></path></svg></figure>` +
		`<figure class="curve"><svg><circle data-version="9"></circle></svg></figure><figure class="metric big" data-metric="loss"><svg></svg></figure></body></html>`
	charts, err := MetricCharts(dom)
	if err != nil {
		t.Fatal(err)
	}
	if len(charts) != 2 || charts[0].Metric != "acc" || strings.Join(charts[0].Versions, ",") != "1,2" || charts[1].Metric != "loss" || len(charts[1].Versions) != 0 {
		t.Errorf("charts = %+v", charts)
	}
	ext, err := External(dom)
	if err != nil {
		t.Fatal(err)
	}
	if len(ext) != 1 || !strings.Contains(ext[0], `src="x.png"`) {
		t.Errorf("external = %q", ext)
	}
}
