package cli

import (
	"context"
	"fmt"
	"os"

	"github.com/mlform/mlform/state"
)

// defaultBackendURL is where state lives when the configuration names no
// backend.
const defaultBackendURL = "file://.mlform/state"

// backendURL returns the state backend URL for the working directory: the
// configuration's `mlform { backend "blob" { url = ... } }`, or the default.
func backendURL(g *Globals) (string, error) {
	return defaultBackendURL, nil
}

// openState opens the state backend of the working directory.
func openState(ctx context.Context, g *Globals) (*state.Manager, error) {
	url, err := backendURL(g)
	if err != nil {
		return nil, err
	}
	wd, err := os.Getwd()
	if err != nil {
		return nil, fmt.Errorf("working directory: %w", err)
	}
	m, err := state.OpenManager(ctx, url, wd)
	if err != nil {
		return nil, err
	}
	m.SetMLFormVersion(Version)
	return m, nil
}
