package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mlform/mlform/config"
	"github.com/mlform/mlform/config/diag"
	"github.com/mlform/mlform/state/statemgr"
)

// backendURL returns the state backend URL for the working directory: the
// configuration's `mlform { backend "blob" { url = ... } }`, or the default
// when the directory holds no configuration (state can be inspected and
// repaired without one). A configuration with errors is refused rather
// than guessed at: a mistyped backend must not silently mean the default.
//
// A command that already loaded the configuration (with its -var flags,
// through loadConfig) gets that configuration's backend without a reload.
func backendURL(g *Globals) (string, error) {
	if g.loadedBackendURL != "" {
		return g.loadedBackendURL, nil
	}
	files, err := filepath.Glob("*" + config.FileSuffix)
	if err != nil {
		return "", err
	}
	if len(files) == 0 {
		return config.DefaultBackendURL, nil
	}
	// The backend is static: reading it needs no variables, so the
	// commands that only read state work without them.
	cfg, diags := config.Load(".", config.LoadOptions{Getenv: g.Getenv, Version: Version, BackendOnly: true})
	if diags.HasErrors() {
		_ = diag.Write(g.Stderr, diags, cfg.Files, diagColor(g))
		return "", &ExitError{Code: 1, Message: "the configuration names the state backend, and it has errors"}
	}
	return cfg.Backend.URL, nil
}

// openState opens the state backend of the working directory, after
// checking it is the one the workspace remembers (checkBackend).
func openState(ctx context.Context, g *Globals) (*statemgr.Manager, error) {
	url, err := backendURL(g)
	if err != nil {
		return nil, err
	}
	wd, err := os.Getwd()
	if err != nil {
		return nil, fmt.Errorf("working directory: %w", err)
	}
	if err := checkBackend(g, url, wd); err != nil {
		return nil, err
	}
	return openStateAt(ctx, url, wd)
}

// openStateAt opens the state backend at url, unchecked (init's backend
// step uses it for the old and the new backend).
func openStateAt(ctx context.Context, url, wd string) (*statemgr.Manager, error) {
	m, err := statemgr.OpenManager(ctx, url, wd)
	if err != nil {
		return nil, err
	}
	m.SetMLFormVersion(Version)
	return m, nil
}
