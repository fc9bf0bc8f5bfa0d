// Package browser renders report pages in a real headless Chromium (the
// one scripts/browser/install.sh installs) and reads back what a reader
// would get: a screenshot, the DOM after rendering, and any console
// message. The report's browser test and the report testscripts use it.
package browser

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// RequireEnv makes a missing browser a failure instead of a skip (.ci/run
// sets it).
const RequireEnv = "MLFORM_REQUIRE_BROWSER_TESTS"

// ErrNoBrowser says no Chromium was found.
var ErrNoBrowser = errors.New("no chromium found (install it with scripts/browser/install.sh, or set MLFORM_CHROMIUM)")

// Find returns the browser to use: MLFORM_CHROMIUM, else chromium or
// chromium-browser on PATH.
func Find(getenv func(string) string) (string, error) {
	if p := getenv("MLFORM_CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("MLFORM_CHROMIUM=%s: %w", p, err)
		}
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrNoBrowser
}

// Page is what rendering one page gave.
type Page struct {
	File string
	// DOM is the document after rendering (the root element's outerHTML).
	DOM string
	// Console holds every console message the page logged, uncaught
	// exceptions and the browser's log entries for it; a page with no
	// script should log none (a failed load is one too).
	Console []string
	// Screenshot is the PNG file written.
	Screenshot string
}

// Session is one headless Chromium that renders page after page, each in
// a tab of its own. A browser launch costs about a second of CPU, and a
// report has tens of pages: launching one per page (twice, with
// --dump-dom and --screenshot) made the browser checks most of the
// end-to-end tests' time.
type Session struct {
	profile string
	ctx     context.Context // the browser's
	cancel  func()
}

// viewport is the size of every screenshot.
const viewportWidth, viewportHeight = 1280, 1800

// Start launches chromium headless with a fresh profile in a temporary
// directory, no network features and no GPU. Close stops it.
func Start(ctx context.Context, chromium string) (*Session, error) {
	profile, err := os.MkdirTemp("", "mlform-chromium-")
	if err != nil {
		return nil, err
	}
	actx, acancel := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.UserDataDir(profile),
		chromedp.WindowSize(viewportWidth, viewportHeight),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("hide-scrollbars", true))
	bctx, bcancel := chromedp.NewContext(actx)
	s := &Session{profile: profile, ctx: bctx, cancel: func() { bcancel(); acancel() }}
	// The first run starts the browser, which lives as long as bctx.
	if err := chromedp.Do(bctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("start %s: %w", chromium, err)
	}
	return s, nil
}

// Close stops the browser and removes its profile.
func (s *Session) Close() error {
	s.cancel()
	return os.RemoveAll(s.profile)
}

// Render loads file (an HTML file on disk) in a new tab, reads the DOM
// after the load event, saves a screenshot of the viewport as png, and
// collects what the page logged meanwhile. ctx bounds the page (two
// minutes at most).
func (s *Session) Render(ctx context.Context, file, png string) (*Page, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, err
	}
	u := (&url.URL{Scheme: "file", Path: abs}).String()
	p := &Page{File: file, Screenshot: png}
	// The listener runs on the goroutine that reads the tab's messages in
	// order, so every message logged before the screenshot's answer is
	// in by the time Run returns.
	// lines belongs to the listener, which may still run after Render
	// returns (until the tab is closed): the Page gets a copy.
	var mu sync.Mutex
	var lines []string
	tab, closeTab := chromedp.NewContext(s.ctx, chromedp.WithListener(func(ev any) {
		if line := consoleLine(ev); line != "" {
			mu.Lock()
			lines = append(lines, line)
			mu.Unlock()
		}
	}))
	defer closeTab()
	stop := context.AfterFunc(ctx, closeTab)
	defer stop()
	tctx, cancel := context.WithTimeout(tab, 2*time.Minute)
	defer cancel()
	if err := chromedp.Do(tctx,
		chromedp.EmulateViewport(viewportWidth, viewportHeight),
		chromedp.Navigate(u)); err != nil {
		return nil, fmt.Errorf("render %s: %w", file, err)
	}
	if p.DOM, err = chromedp.Run(tctx, chromedp.OuterHTML(chromedp.CSS("html"))); err != nil {
		return nil, fmt.Errorf("render %s: %w", file, err)
	}
	shot, err := chromedp.Run(tctx, chromedp.CaptureScreenshot())
	if err != nil {
		return nil, fmt.Errorf("screenshot %s: %w", file, err)
	}
	if err := os.WriteFile(png, shot, 0o644); err != nil {
		return nil, err
	}
	mu.Lock()
	defer mu.Unlock()
	p.Console = slices.Clone(lines)
	return p, nil
}

// consoleLine describes a console call, an uncaught exception or a log
// entry of the browser ("" for any other event).
func consoleLine(ev any) string {
	switch e := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		var args []string
		for _, a := range e.Args {
			if a.Value != nil {
				args = append(args, string(a.Value))
			} else {
				args = append(args, a.Description)
			}
		}
		return fmt.Sprintf("console.%s: %s", e.Type, strings.Join(args, " "))
	case *runtime.EventExceptionThrown:
		d := e.ExceptionDetails
		text := d.Text
		if d.Exception != nil {
			text += " " + d.Exception.Description
		}
		return fmt.Sprintf("exception: %s (%s:%d)", text, d.URL, d.LineNumber)
	case *cdplog.EventEntryAdded:
		return fmt.Sprintf("%s %s: %s (%s)", e.Entry.Source, e.Entry.Level, e.Entry.Text, e.Entry.URL)
	}
	return ""
}
