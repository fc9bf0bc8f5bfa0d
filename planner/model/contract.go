package model

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/mlform/mlform/providers/executor"
)

// checkContract refuses, at plan time, a model the training contract
// cannot run: two datasets or two params whose environment names collide
// (web-logs and web_logs both become MLFORM_DATASET_WEB_LOGS_DIR). Found
// only when the step starts, it would cost a version number and a failed
// attempt per apply; validate cannot see it because it is the executor's
// naming rule.
func checkContract(spec *modelSpec) error {
	var errs []error
	errs = append(errs, envCollisions("dataset", spec.Datasets, executor.DatasetEnv)...)
	errs = append(errs, envCollisions("train param", keys(spec.Train.Params), executor.ParamEnv)...)
	if spec.Evaluate != nil {
		errs = append(errs, envCollisions("evaluate param", keys(spec.Evaluate.Params), executor.ParamEnv)...)
	}
	return errors.Join(errs...)
}

// envCollisions lists every pair of names that map to one variable, as
// the executor would refuse them when the step starts.
func envCollisions(kind string, names []string, env func(string) string) []error {
	var errs []error
	for _, err := range executor.EnvCollisions(kind, names, env) {
		errs = append(errs, fmt.Errorf("%w: rename one", err))
	}
	return errs
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// missingDeclared says which metrics a step declares (metrics = [...])
// but did not write: validate passed the gates and triggers that read
// them, so apply says where they went missing ("" when none did). Extra
// metrics are fine: a declaration lists what is read, not everything.
func missingDeclared(stepName string, declared []string, got map[string]float64) string {
	var missing []string
	for _, name := range declared {
		if _, ok := got[name]; !ok {
			missing = append(missing, fmt.Sprintf("%q", name))
		}
	}
	if len(missing) == 0 {
		return ""
	}
	wrote := make([]string, 0, len(got))
	for _, k := range keys(got) {
		wrote = append(wrote, fmt.Sprintf("%q", k))
	}
	sort.Strings(wrote)
	has := "none"
	if len(wrote) > 0 {
		has = strings.Join(wrote, ", ")
	}
	what, it := "the metric", "it"
	if len(missing) > 1 {
		what, it = "the metrics", "them"
	}
	return fmt.Sprintf("warning: the %s step declares %s %s but its metrics.json does not have %s (it has %s); a gate or trigger that reads %s holds its promotion or cannot fire",
		stepName, what, strings.Join(missing, ", "), it, has, it)
}
