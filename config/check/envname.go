package check

import (
	"strings"

	"github.com/mlform/mlform/internal/envname"
)

// EnvName says what is wrong with k as the name of an environment's env
// variable: a diagnostic summary and why (completing "env in X sets K: "),
// or "" when nothing is.
func EnvName(k string) (summary, why string) {
	switch {
	case !envname.Valid(k):
		return "Invalid environment variable name", "a name is letters, digits and underscores, not starting with a digit, the names every executor can pass to a step (Kubernetes and Slurm refuse others)."
	case strings.HasPrefix(k, "MLFORM_"):
		// Every executor sets these for the step; a batch executor's
		// runner refuses them, the local one would hand the step two
		// meanings of one name.
		return "Reserved environment variable", "MLFORM_* names belong to the training contract, which mlform sets for every step (docs/training-contract.md). Give the variable another name."
	}
	return "", ""
}
