package planner

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/mlform/mlform/config"
	"github.com/mlform/mlform/internal/suggest"
	"github.com/mlform/mlform/providers/executor"
)

// CheckExecutors checks every environment against the executors this build
// has: an unknown executor, or a setting the chosen executor would silently
// ignore (image with local or slurm), is an error at the argument's file:line:col,
// and so is everything wrong in the executor's settings block (see
// checkSettings).
// config cannot check this itself (it knows no providers), so validate,
// plan and apply all call this right after loading, before any version
// number is spent.
func CheckExecutors(cfg *config.Config, reg *executor.Registry) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, n := range slices.Sorted(maps.Keys(cfg.Environments)) {
		env := cfg.Environments[n]
		name := env.Executor
		if name == "" {
			name = config.DefaultExecutor
		}
		if !reg.Known(name) {
			detail := fmt.Sprintf("environment %q names executor %q, which this mlform does not have (it has: %s).", n, name, strings.Join(reg.Names(), ", "))
			if s := suggest.Closest(name, reg.Names()); s != "" {
				detail += fmt.Sprintf(" Did you mean %q?", s)
			}
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown executor", Detail: detail, Subject: rangeOr(env.ExecutorRange, env.DeclRange)})
			continue
		}
		if env.Image != "" && !reg.Honours(name, "image") {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Setting not supported by the executor",
				Detail:   fmt.Sprintf("environment %q sets image, but executor %q does not run steps in a container image and would ignore it, so a version's lineage would name an image that never ran. Remove image, or choose an executor that runs images.", n, name),
				Subject:  rangeOr(env.ImageRange, env.DeclRange),
			})
		}
		if env.Image == "" && reg.Requires(name, "image") {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Missing setting required by the executor",
				Detail:   fmt.Sprintf("environment %q runs its steps with executor %q, which runs each step in a container image and needs one: set image = \"...\" (the step's image).", n, name),
				Subject:  rangeOr(env.ExecutorRange, env.DeclRange),
			})
		}
		diags = append(diags, checkSettings(n, name, env.Settings, reg)...)
		diags = append(diags, missingSettings(n, name, env, reg)...)
	}
	return diags
}

// missingSettings reports each setting the chosen executor declares
// Required that environment n leaves unset (or null), at its settings
// block (or, without one, at its executor argument): caught here, before
// any version number is spent, rather than as a failed attempt at apply.
func missingSettings(n, name string, env *config.Environment, reg *executor.Registry) hcl.Diagnostics {
	var diags hcl.Diagnostics
	b := env.Settings[name]
	for _, d := range reg.Settings(name) {
		if !d.Required {
			continue
		}
		where := rangeOr(env.ExecutorRange, env.DeclRange)
		if b != nil {
			v, ok := b.Values[d.Name]
			_, written := b.NameRanges[d.Name]
			if ok && v != nil || !ok && written {
				continue // set, or written but not evaluated (reported)
			}
			where = b.Range.Ptr()
			if r, ok := b.ValueRanges[d.Name]; ok {
				where = r.Ptr() // = null
			}
		}
		detail := fmt.Sprintf("environment %q runs its steps with executor %q, which needs its %s setting: %s. Set it in the environment's %s block.", n, name, d.Name, d.Doc, name)
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Missing setting required by the executor", Detail: detail, Subject: where})
	}
	return diags
}

// rangeOr returns r, or fallback when r is unset.
func rangeOr(r, fallback hcl.Range) *hcl.Range {
	if r.Filename == "" {
		return &fallback
	}
	return &r
}
