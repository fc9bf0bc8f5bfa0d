package config

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/mlform/mlform/config/check"
	"github.com/mlform/mlform/internal/contractenv"
	"github.com/mlform/mlform/internal/envname"
	"github.com/mlform/mlform/internal/termtext"
)

// evalStorage reads a storage block: one blob URL.
func (l *loader) evalStorage(e *blockEval, n *node) {
	st := &Storage{Name: n.name, DeclRange: n.block.DefRange()}
	if u, a, ok := e.Str("url", true); ok {
		e.CheckURL("url", a, u, check.BlobURL)
		st.URL, st.URLSensitive, st.URLRange = u, e.Vals["url"].ContainsMarked(), a.Expr.Range()
	}
	l.cfg.Storage[n.name] = st
}

// evalEnvironment reads an environment; env may hold secrets (it is only
// ever hashed), nothing else may.
func (l *loader) evalEnvironment(e *blockEval, n *node) {
	env := &Environment{Name: n.name, Executor: DefaultExecutor, DeclRange: n.block.DefRange()}
	if s, a, ok := e.Str("executor", false); ok {
		if !hclsyntax.ValidIdentifier(s) {
			e.Errorf(a.Expr.Range(), "Invalid executor", "executor in %s must name an executor, like \"local\"; %q is not a name.", e.Where, s)
		}
		env.Executor = s
		env.ExecutorRange = a.Expr.Range()
	}
	env.Files = e.Globs("files")
	env.Env, env.Secrets = e.StrMap("env")
	for _, k := range slices.Sorted(maps.Keys(env.Env)) {
		if summary, why := check.EnvName(k); summary != "" {
			shown := k // a valid name needs no quotes
			if !envname.Valid(k) {
				shown = fmt.Sprintf("%q", termtext.Truncate(k, 80))
			}
			if slices.Contains(env.Secrets, k) { // a sensitive map's names are secret too
				shown = "a name derived from a sensitive value"
			}
			e.Errorf(e.Body.Attributes["env"].Expr.Range(), summary, "env in %s sets %s: %s", e.Where, shown, why)
		}
	}
	e.evalCapture(env)
	if s, a, ok := e.Str("image", false); ok {
		env.Image = s
		env.ImageRange = a.Expr.Range()
	}
	env.Settings = e.executorSettings(n.block)
	l.cfg.Environments[n.name] = env
}

// evalDataset reads a dataset: its source, filters, store and stats.
func (l *loader) evalDataset(e *blockEval, n *node) {
	d := &Dataset{Name: n.name, DeclRange: n.block.DefRange()}
	if s, a, ok := e.Str("source", true); ok {
		d.SourceSensitive = e.Vals["source"].ContainsMarked()
		e.CheckURL("source", a, s, check.Source)
		d.Source, d.SourceRange = s, a.Expr.Range()
	}
	d.Include = e.Globs("include")
	d.Exclude = e.Globs("exclude")
	if s, ok := e.ref("storage", kindStorage); ok {
		d.Storage = s
	}
	if s, _, ok := e.Str("description", false); ok {
		d.Description = s
	}
	for _, b := range n.block.Body.Blocks {
		if b.Type == "stats" {
			se := e.sub(b, e.Where)
			cols, a, ok := se.StrList("columns")
			if ok && len(cols) == 0 {
				se.Errorf(a.Expr.Range(), "Invalid stats columns", "columns in %s lists no column; remove the stats block to profile nothing.", se.Where)
			}
			e.Failed = e.Failed || se.Failed
			d.Stats = &Stats{Columns: cols}
		}
		if b.Type == "retention" {
			d.Retention = e.retention(b)
		}
	}
	l.cfg.Datasets[n.name] = d
}

// evalModel reads a model and its train and evaluate steps.
func (l *loader) evalModel(e *blockEval, n *node) {
	m := &Model{Name: n.name, DeclRange: n.block.DefRange()}
	if s, _, ok := e.Str("description", false); ok {
		m.Description = s
	}
	if list, ok := e.refList("datasets", kindDataset); ok {
		m.Datasets = list
		e.checkEnvNames(e.Body.Attributes["datasets"], "dataset", list, contractenv.Dataset)
	}
	if s, ok := e.ref("environment", kindEnvironment); ok {
		m.Environment = s
	}
	m.Code = e.Globs("code")
	e.evalModelCard(m)
	if s, ok := e.ref("storage", kindStorage); ok {
		m.Storage = s
	}
	for _, b := range n.block.Body.Blocks {
		if b.Type == "retention" {
			m.Retention = e.retention(b)
			continue
		}
		se := e.sub(b, e.Where)
		step := Step{Range: b.DefRange()}
		if cmd, a, ok := se.StrList("command"); ok {
			if len(cmd) == 0 || strings.TrimSpace(cmd[0]) == "" {
				se.Errorf(a.Expr.Range(), "Invalid command", "command in %s must name a program to run, like [\"python\", \"train.py\"].", se.Where)
			}
			step.Command = cmd
		}
		step.Params = se.Params("params")
		se.checkEnvNames(se.Body.Attributes["params"], "param", keys(step.Params), contractenv.Param)
		step.Timeout = se.Duration("timeout", 1)
		se.stepMetrics(&step)
		e.Failed = e.Failed || se.Failed
		switch b.Type {
		case "train":
			m.Train = step
		case "evaluate":
			s := step
			m.Evaluate = &s
		}
	}
	l.cfg.Models[n.name] = m
}
