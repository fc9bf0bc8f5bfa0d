// Package contractenv names the environment variables of the training
// contract (docs/training-contract.md) that carry a user's names: one per
// dataset directory and one per param. It stands alone so that config can
// refuse two names that would become one variable at file:line:col, without
// depending on the executors that set them.
package contractenv

import (
	"strings"

	"github.com/mlform/mlform/internal/objname"
)

// Name turns a dataset or param name into the part of a variable name that
// carries it: upper-cased, every byte other than A-Z and 0-9 replaced by
// '_' ("churn-2024.v1" -> "CHURN_2024_V1").
func Name(name string) string {
	b := []byte(strings.ToUpper(name))
	for i, c := range b {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			b[i] = '_'
		}
	}
	return string(b)
}

// Dataset is the variable naming a dataset's directory. An instance of a
// dataset with for_each or count carries its key: `sales["eu-west"]` ->
// MLFORM_DATASET_SALES_EU_WEST_DIR, `sales[0]` -> MLFORM_DATASET_SALES_0_DIR.
// A dataset of a module is named inside its module (`module.eu.sales` ->
// MLFORM_DATASET_SALES_DIR), so one trainer serves every module instance.
func Dataset(name string) string {
	name = objname.Local(name)
	base, suffix := objname.Split(name)
	if suffix != "" {
		return "MLFORM_DATASET_" + Name(base) + "_" + Name(strings.Trim(suffix, `[]"`)) + "_DIR"
	}
	return "MLFORM_DATASET_" + Name(name) + "_DIR"
}

// BlockAliases lets one trainer serve every instance of a fleet: when a
// model uses exactly one instance of a dataset block (`sales["eu"]`), the
// block's own variable (MLFORM_DATASET_SALES_DIR) names it too. It maps
// each such variable to the instance; callers set it only when no dataset
// of the model already sets that variable.
func BlockAliases(names []string) map[string]string {
	byBase := map[string][]string{}
	for _, n := range names {
		if base, suffix := objname.Split(n); suffix != "" {
			byBase[base] = append(byBase[base], n)
		}
	}
	out := map[string]string{}
	for base, insts := range byBase {
		if len(insts) == 1 {
			out[Dataset(base)] = insts[0]
		}
	}
	return out
}

// Param is the variable carrying one param.
func Param(name string) string { return "MLFORM_PARAM_" + Name(name) }
