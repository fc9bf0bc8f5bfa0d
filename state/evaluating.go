package state

import (
	"fmt"
	"maps"
	"time"
)

// RunningEvaluation is an evaluate step submitted to a batch executor
// whose result no apply has read yet. An evaluation is part of a train
// or promote decision, so it is not a version of its own: apply records
// it before it waits for the job, and an apply that needs the same
// evaluation later (same version, snapshots and evaluator) re-attaches to
// that job instead of submitting another (docs/executors.md, "Jobs that
// outlive mlform"). Once read, the record is dropped and the result
// becomes an Evaluation.
type RunningEvaluation struct {
	// Version is the evaluated version (a recorded one).
	Version int `json:"version"`
	// Snapshots and Evaluator say which evaluation it is, as in
	// Evaluation.
	Snapshots map[string]string `json:"snapshots"`
	Evaluator string            `json:"evaluator,omitempty"`
	// Executor, JobID, SpecID, Store and SubmittedAt are as in
	// RunningAttempt.
	Executor    string    `json:"executor"`
	JobID       string    `json:"job_id,omitempty"`
	SpecID      string    `json:"spec_id"`
	Store       string    `json:"store"`
	SubmittedAt time.Time `json:"submitted_at"`
	// ParamsID and CodeID are the params object and the code archive the
	// spec names (in Store): gc keeps them while the job may read them.
	ParamsID string `json:"params_id,omitempty"`
	CodeID   string `json:"code_id,omitempty"`
	// ExecutorSettings are as in RunningAttempt: the settings block the
	// job was submitted with, so an apply that needs the evaluation after
	// a placement setting changed (a Kubernetes namespace) reaches the
	// job where it runs (format 4; nil in states written before).
	ExecutorSettings map[string]any `json:"executor_settings,omitempty"`
}

// Same reports whether e evaluates version on exactly these snapshots
// with this evaluator: the evaluation an apply needs is that job's.
func (e *RunningEvaluation) Same(version int, snaps map[string]string, evaluator string) bool {
	return e != nil && e.Version == version && e.Evaluator == evaluator && maps.Equal(e.Snapshots, snaps)
}

// RunningEvaluation returns the running evaluation of version on snaps
// by evaluator, or nil.
func (m *Model) RunningEvaluation(version int, snaps map[string]string, evaluator string) *RunningEvaluation {
	for _, e := range m.Evaluating {
		if e.Same(version, snaps, evaluator) {
			return e
		}
	}
	return nil
}

// RemoveEvaluating drops the running evaluation whose step spec is
// specID (once its result is read, or its job is known gone).
func (m *Model) RemoveEvaluating(specID string) {
	m.Evaluating = without(m.Evaluating, func(e *RunningEvaluation) bool { return e == nil || e.SpecID == specID })
}

// validateEvaluating checks the running evaluations of model name;
// recorded holds its recorded version numbers.
func validateEvaluating(name string, m *Model, recorded map[int]bool) error {
	seen := map[string]bool{}
	for i, e := range m.Evaluating {
		if e == nil {
			return fmt.Errorf("model.%s: running evaluation %d is null", name, i+1)
		}
		where := fmt.Sprintf("model.%s: running evaluation of v%d", name, e.Version)
		switch {
		case !recorded[e.Version]:
			return fmt.Errorf("%s: no such version is recorded", where)
		case len(e.Evaluator) > 256 || hasControl(e.Evaluator):
			return fmt.Errorf("%s: evaluator is too long or contains control characters", where)
		case seen[e.SpecID]:
			return fmt.Errorf("%s: spec %.64s is recorded twice", where, e.SpecID)
		}
		if err := validateJob(where, jobRef{e.Executor, e.JobID, e.SpecID, e.ParamsID, e.CodeID, e.Store}); err != nil {
			return err
		}
		seen[e.SpecID] = true
		if err := validateSettings(where, e.ExecutorSettings); err != nil {
			return err
		}
		if err := validateSnapshotRefs(where, e.Snapshots); err != nil {
			return err
		}
	}
	return nil
}
