package browser

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSessionRender renders pages in one browser and checks what a
// report test relies on: the DOM after scripts ran, a screenshot, and
// every console message, uncaught exception and failed load reported
// for the page that caused it, and only for it.
func TestSessionRender(t *testing.T) {
	chromium, err := Find(os.Getenv)
	if err != nil {
		if os.Getenv(RequireEnv) == "1" {
			t.Fatalf("%v (%s=1)", err, RequireEnv)
		}
		t.Skipf("skipping browser test: %v", err)
	}
	s, err := Start(context.Background(), chromium)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	dir := t.TempDir()
	cases := []struct {
		name    string
		html    string
		dom     string // in the rendered DOM
		console string // in a console line ("" none)
	}{
		{"clean", `<p id="x">static</p>`, `<p id="x">static</p>`, ""},
		{"script edits the DOM", `<p id="x"></p><script>document.getElementById("x").textContent = "drawn"</script>`, `<p id="x">drawn</p>`, ""},
		{"console.log", `<script>console.log("hello", 42)</script>`, "", `console.log: "hello" 42`},
		{"console.error", `<script>console.error("bad")</script>`, "", `console.error: "bad"`},
		{"uncaught exception", `<script>throw new Error("boom")</script>`, "", "boom"},
		{"missing image", `<img src="missing.png">`, `<img src="missing.png">`, "missing.png"},
		{"missing stylesheet", `<link rel="stylesheet" href="gone.css"><p>x</p>`, "", "gone.css"},
		{"clean after a noisy page", `<p>quiet</p>`, "<p>quiet</p>", ""},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".html")
			if err := os.WriteFile(file, []byte("<!doctype html><html><head><title>t</title></head><body>"+tc.html+"</body></html>"), 0o644); err != nil {
				t.Fatal(err)
			}
			png := filepath.Join(dir, "shot.png")
			os.Remove(png)
			pg, err := s.Render(context.Background(), file, png)
			if err != nil {
				t.Fatal(err)
			}
			if err := PNGOK(png); err != nil {
				t.Errorf("case %d: %v", i, err)
			}
			if !strings.Contains(pg.DOM, tc.dom) || !strings.HasPrefix(pg.DOM, "<html") {
				t.Errorf("DOM = %q, want it to hold %q", pg.DOM, tc.dom)
			}
			got := strings.Join(pg.Console, "\n")
			switch {
			case tc.console == "" && got != "":
				t.Errorf("console = %q, want nothing", got)
			case tc.console != "" && !strings.Contains(got, tc.console):
				t.Errorf("console = %q, want a line with %q", got, tc.console)
			}
		})
	}
}

// TestRenderCancelled: a cancelled context stops a render with an error,
// and the session still renders the next page.
func TestRenderCancelled(t *testing.T) {
	chromium, err := Find(os.Getenv)
	if err != nil {
		t.Skipf("skipping browser test: %v", err)
	}
	s, err := Start(context.Background(), chromium)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	file := filepath.Join(t.TempDir(), "p.html")
	if err := os.WriteFile(file, []byte("<p>x</p>"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Render(ctx, file, file+".png"); err == nil {
		t.Fatal("render with a cancelled context succeeded")
	}
	if _, err := s.Render(context.Background(), file, file+".png"); err != nil {
		t.Fatalf("render after a cancelled one: %v", err)
	}
}
