// Package browser renders report pages in a real headless Chromium (the
// one scripts/browser/install.sh installs) and reads back what a reader
// would get: a screenshot, the DOM after rendering, and any console
// message. The report's browser test and the report testscripts use it.
package browser

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
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
	// DOM is the document after rendering (--dump-dom).
	DOM string
	// Console holds every console message the page logged; a page with no
	// script should log none (a failed load is one too).
	Console []string
	// Screenshot is the PNG file written.
	Screenshot string
}

// Render loads file (an HTML file on disk) in headless Chromium twice: once
// for the DOM and the console (logging to stderr), once for a screenshot
// saved as png. Both runs use a fresh profile in a temporary directory,
// no network features and no GPU.
func Render(ctx context.Context, chromium, file, png string) (*Page, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, err
	}
	u := (&url.URL{Scheme: "file", Path: abs}).String()
	p := &Page{File: file, Screenshot: png}
	out, stderr, err := run(ctx, chromium, "--dump-dom", "--enable-logging=stderr", "--v=0", u)
	if err != nil {
		return nil, fmt.Errorf("render %s: %w\n%s", file, err, tail(stderr))
	}
	p.DOM = out
	for _, line := range strings.Split(stderr, "\n") {
		if strings.Contains(line, ":CONSOLE") {
			p.Console = append(p.Console, strings.TrimSpace(line))
		}
	}
	if _, stderr, err := run(ctx, chromium, "--screenshot="+png, "--window-size=1280,1800", "--hide-scrollbars", u); err != nil {
		return nil, fmt.Errorf("screenshot %s: %w\n%s", file, err, tail(stderr))
	}
	return p, nil
}

func run(ctx context.Context, chromium string, args ...string) (string, string, error) {
	profile, err := os.MkdirTemp("", "mlform-chromium-")
	if err != nil {
		return "", "", err
	}
	defer os.RemoveAll(profile)
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--user-data-dir=" + profile}
	cmd := exec.CommandContext(ctx, chromium, append(base, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 10 * time.Second
	err = cmd.Run()
	return stdout.String(), stderr.String(), err
}

func tail(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > 8 {
		lines = lines[len(lines)-8:]
	}
	return strings.Join(lines, "\n")
}
