// Package contractenv names the environment variables of the training
// contract (docs/training-contract.md) that carry a user's names: one per
// dataset directory and one per param. It stands alone so that config can
// refuse two names that would become one variable at file:line:col, without
// depending on the executors that set them.
package contractenv

import "strings"

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

// Dataset is the variable naming a dataset's directory.
func Dataset(name string) string { return "MLFORM_DATASET_" + Name(name) + "_DIR" }

// Param is the variable carrying one param.
func Param(name string) string { return "MLFORM_PARAM_" + Name(name) }
