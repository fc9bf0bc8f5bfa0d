package vars

import (
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// SensitivePlaceholder replaces a sensitive value wherever it would be shown.
const SensitivePlaceholder = "(sensitive value)"

// minRedactLen is the shortest sensitive text the safety net replaces:
// shorter strings would garble unrelated words in messages.
const minRedactLen = 3

// Redact is a safety net over every diagnostic Load and the
// apply-time evaluators return: the text of a sensitive variable's value
// (which a function error could quote) is replaced by
// SensitivePlaceholder. Diagnostics also lose their EvalContext when they
// could show a sensitive value.
func Redact(diags hcl.Diagnostics, vars map[string]*Variable) hcl.Diagnostics {
	secrets := sensitiveTexts(vars)
	if len(secrets) == 0 {
		return diags
	}
	out := make(hcl.Diagnostics, len(diags))
	for i, d := range diags {
		c := *d
		c.Summary = redactText(c.Summary, secrets)
		c.Detail = redactText(c.Detail, secrets)
		c.EvalContext = nil
		out[i] = &c
	}
	return out
}

// sensitiveTexts lists the string forms of every primitive inside every
// sensitive variable's value, longest first so overlapping secrets are
// replaced whole.
func sensitiveTexts(vars map[string]*Variable) []string {
	var keep []string
	for _, s := range SensitiveValueTexts(vars) {
		if len(s) >= minRedactLen {
			keep = append(keep, s)
		}
	}
	sortByLenDesc(keep)
	return keep
}

// SensitiveValueTexts lists the text of every string and number inside the
// values of the sensitive variables among vars, in no particular order:
// what a message or a step's output could quote of a secret. Callers
// filter, de-duplicate and order it for their own redaction.
func SensitiveValueTexts(vars map[string]*Variable) []string {
	var out []string
	for _, v := range vars {
		if v == nil || !v.Sensitive || v.Value == cty.NilVal {
			continue
		}
		val, _ := v.Value.UnmarkDeep()
		_ = cty.Walk(val, func(_ cty.Path, el cty.Value) (bool, error) {
			if el.IsNull() || !el.IsKnown() {
				return true, nil
			}
			switch el.Type() {
			case cty.String:
				out = append(out, el.AsString())
			case cty.Number:
				out = append(out, el.AsBigFloat().Text('f', -1))
			}
			return true, nil
		})
	}
	return out
}

func redactText(s string, secrets []string) string {
	for _, sec := range secrets {
		s = strings.ReplaceAll(s, sec, SensitivePlaceholder)
	}
	return s
}

func sortByLenDesc(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && len(s[j]) > len(s[j-1]); j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}
