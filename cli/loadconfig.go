package cli

import (
	"github.com/mlform/mlform/config"
	"github.com/mlform/mlform/config/diag"
)

// loadConfig loads the configuration in the working directory. Every
// diagnostic (warnings too) is printed to stderr; errors end the command
// with exit status 1.
func loadConfig(g *Globals, vf *varFlags) (*config.Config, error) {
	cfg, diags := loadChecked(g, vf)
	if len(diags) > 0 {
		_ = diag.Write(g.Stderr, diags, cfg.Files, diagColor(g))
	}
	if diags.HasErrors() {
		return nil, errSilent
	}
	g.loadedBackendURL = cfg.Backend.URL
	return cfg, nil
}

// diagColor reports whether diagnostics on stderr may be coloured: only on
// a terminal, never with -no-color, NO_COLOR or TERM=dumb.
func diagColor(g *Globals) bool {
	return !g.NoColor && writerIsTerminal(g.Stderr)
}
