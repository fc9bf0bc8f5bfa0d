package planner

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/mlform/mlform/config"
	"github.com/mlform/mlform/internal/suggest"
	"github.com/mlform/mlform/providers/executor"
)

// checkSettings checks the executor settings blocks of environment env,
// whose executor is chosen, against what the executors declare
// (executor.Spec.Settings):
//   - a block named after no executor is an error, with the closest
//     executor's name;
//   - a block for another executor than the chosen one is a warning: it is
//     ignored, and kept only so that switching `executor` (by a variable,
//     say) finds its settings ready. Nothing records it, so no lineage
//     claims settings that never applied;
//   - in the chosen executor's block, an unknown setting is an error at its
//     name, with a suggestion; a value of the wrong type or one the
//     executor refuses is an error at the value.
func checkSettings(env, chosen string, blocks map[string]*config.ExecutorSettings, reg *executor.Registry) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, typ := range slices.Sorted(maps.Keys(blocks)) {
		b := blocks[typ]
		switch {
		case !reg.Known(typ):
			detail := fmt.Sprintf("environment %q has a %s block, but this mlform has no executor called %q (it has: %s); a settings block is named after the executor it configures.",
				env, typ, typ, strings.Join(reg.Names(), ", "))
			if s := suggest.Closest(typ, reg.Names()); s != "" {
				detail += fmt.Sprintf(" Did you mean %q?", s)
			}
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Settings for an unknown executor", Detail: detail, Subject: b.Range.Ptr()})
		case typ != chosen:
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagWarning,
				Summary:  "Settings for another executor",
				Detail: fmt.Sprintf("environment %q runs its steps with executor %q, so its %s block is ignored. Remove it, or set executor = %q to use it.",
					env, chosen, typ, typ),
				Subject: b.Range.Ptr(),
			})
		default:
			diags = append(diags, settingDiags(env, b, reg)...)
		}
	}
	return diags
}

// settingDiags places each problem Decode finds in block b at its
// argument.
func settingDiags(env string, b *config.ExecutorSettings, reg *executor.Registry) hcl.Diagnostics {
	_, err := reg.Decode(b.Executor, b.Values)
	if err == nil {
		return nil
	}
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	var diags hcl.Diagnostics
	for _, err := range errs {
		var se *executor.SettingError
		if !errors.As(err, &se) {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid executor settings",
				Detail: fmt.Sprintf("environment %q: %v.", env, err), Subject: b.Range.Ptr()})
			continue
		}
		d := &hcl.Diagnostic{Severity: hcl.DiagError, Subject: b.Range.Ptr()}
		switch {
		case se.Unknown:
			d.Summary = "Unknown executor setting"
			d.Detail = fmt.Sprintf("The %s executor has no setting %q (environment %q).", se.Executor, se.Setting, env)
			if se.Suggestion != "" {
				d.Detail += fmt.Sprintf(" Did you mean %q?", se.Suggestion)
			}
			if len(se.Known) > 0 {
				d.Detail += " Its settings are: " + strings.Join(se.Known, ", ") + "."
			} else {
				d.Detail += " It has no settings."
			}
			if r, ok := b.NameRanges[se.Setting]; ok {
				d.Subject = r.Ptr()
			}
		case se.Setting == "":
			d.Summary = "Invalid executor settings"
			d.Detail = fmt.Sprintf("environment %q: %s settings: %s.", env, se.Executor, se.Problem)
		default:
			d.Summary = "Invalid executor setting"
			d.Detail = fmt.Sprintf("%s in the %s block of environment %q: %s.", se.Setting, se.Executor, env, se.Problem)
			if r, ok := b.ValueRanges[se.Setting]; ok {
				d.Subject = r.Ptr()
			}
			if els := b.ElementRanges[se.Setting]; se.Element > 0 && se.Element <= len(els) {
				d.Subject = els[se.Element-1].Ptr()
			}
		}
		diags = append(diags, d)
	}
	return diags
}
