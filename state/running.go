package state

import (
	"fmt"
	"slices"
	"time"

	"github.com/mlform/mlform/internal/termtext"
)

// RunningAttempt is an attempt submitted to a batch executor (Slurm) that
// no apply has collected yet. apply records it, with the job id, before it
// waits for the job, so that an apply that is interrupted or killed loses
// nothing: the job keeps running, `plan` shows it, and the next apply
// re-attaches to the same job and records the version once
// (docs/executors.md, "Jobs that outlive mlform").
type RunningAttempt struct {
	// Version is the attempt's number, allocated before submission (it is
	// below the model's next_version and not among its recorded versions).
	Version int `json:"version"`
	// Step is "train".
	Step string `json:"step"`
	// Executor names the executor that runs it ("slurm").
	Executor string `json:"executor"`
	// JobID is the executor's id for the job; "" while it is being
	// submitted (a killed apply may have left it queued under its job
	// name: the collector looks it up by name).
	JobID string `json:"job_id,omitempty"`
	// SpecID is the step spec object in Store (docs/executors.md,
	// "Remote-step protocol"); gc keeps it while the attempt runs.
	SpecID string `json:"spec_id"`
	// Store names the storage block holding the spec and the results.
	Store string `json:"store"`
	// SubmittedAt is when apply submitted the job.
	SubmittedAt time.Time `json:"submitted_at"`
	// Node and StartedAt are where and since when the job runs, as last
	// seen by an apply ("" and zero until then).
	Node      string    `json:"node,omitempty"`
	StartedAt time.Time `json:"started_at,omitzero"`
	// ParamsID is the params object the spec names (in Store): gc keeps
	// it while the job may still read it ("" in states written before).
	ParamsID string `json:"params_id,omitempty"`
	// ExecutorSettings are the environment's settings block for Executor
	// when the job was submitted, as config evaluated them (strings,
	// numbers, booleans, lists): where the job is (a Kubernetes namespace,
	// kubeconfig, context). A collector reaches the job with these, not
	// with today's block, so changing a placement setting does not lose a
	// running job (nil in states written before: today's block).
	ExecutorSettings map[string]any `json:"executor_settings,omitempty"`
	// Draft is the version record to complete when the job is collected:
	// inputs, reasons, user, code archive. Its status is not meaningful.
	Draft *Version `json:"draft"`
}

// RunningAttempt returns the running attempt numbered n, or nil.
func (m *Model) RunningAttempt(n int) *RunningAttempt {
	for _, r := range m.Running {
		if r != nil && r.Version == n {
			return r
		}
	}
	return nil
}

// RemoveRunning drops the running record of attempt n (once collected).
func (m *Model) RemoveRunning(n int) {
	m.Running = without(m.Running, func(r *RunningAttempt) bool { return r == nil || r.Version == n })
}

// without removes from list, in place, the elements drop reports; an
// emptied list becomes nil (a model without records encodes none).
func without[T any](list []T, drop func(T) bool) []T {
	list = slices.DeleteFunc(list, drop)
	if len(list) == 0 {
		return nil
	}
	return list
}

// validateRunning checks the running attempts of model name; recorded
// holds its recorded version numbers.
func validateRunning(name string, m *Model, recorded map[int]bool) error {
	seen := map[int]bool{}
	for i, r := range m.Running {
		if r == nil {
			return fmt.Errorf("model.%s: running attempt %d is null", name, i+1)
		}
		where := fmt.Sprintf("model.%s: running attempt v%d", name, r.Version)
		switch {
		case r.Version < 1 || r.Version >= m.NextVersion:
			return fmt.Errorf("%s: number must be between 1 and next_version %d", where, m.NextVersion)
		case recorded[r.Version] || seen[r.Version]:
			return fmt.Errorf("%s is recorded twice", where)
		case r.Step != "train" && r.Step != "evaluate":
			return fmt.Errorf("%s: unknown step %q", where, termtext.Truncate(r.Step, 80))
		case len(r.Node) > 256 || hasControl(r.Node):
			return fmt.Errorf("%s: node is too long or contains control characters", where)
		case r.Draft == nil:
			return fmt.Errorf("%s: no draft version record", where)
		case r.Draft.Version != r.Version:
			return fmt.Errorf("%s: draft record is numbered %d", where, r.Draft.Version)
		}
		seen[r.Version] = true
		if err := validateSettings(where, r.ExecutorSettings); err != nil {
			return err
		}
		if err := validateJob(where, jobRef{r.Executor, r.JobID, r.SpecID, r.ParamsID, "", r.Store}); err != nil {
			return err
		}
		if err := validateVersion(where, name, r.Draft); err != nil {
			return err
		}
	}
	return nil
}

// jobRef is what a running attempt or evaluation records of its job.
type jobRef struct{ executor, jobID, specID, paramsID, codeID, store string }

// validateJob checks the job a running record at where names.
func validateJob(where string, j jobRef) error {
	if !IsIdentifier(j.executor) {
		return fmt.Errorf("%s: executor %q is not a name", where, termtext.Truncate(j.executor, 80))
	}
	if err := checkRefs(where, j.store, ref{"spec_id", j.specID, true}, ref{"params_id", j.paramsID, false}, ref{"code_id", j.codeID, false}); err != nil {
		return err
	}
	if len(j.jobID) > 256 || hasControl(j.jobID) {
		return fmt.Errorf("%s: job id is too long or contains control characters", where)
	}
	return nil
}

func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return true
		}
	}
	return false
}

// normalizeInputs replaces nil maps and slices of in with empty ones.
func normalizeInputs(in *Inputs) {
	if in.Snapshots == nil {
		in.Snapshots = map[string]string{}
	}
	if in.Params == nil {
		in.Params = map[string]any{}
	}
	if in.Command == nil {
		in.Command = []string{}
	}
}

// usesFormat4 reports whether s holds what format 4 added: a running
// attempt or evaluation that records the executor settings it was
// submitted with. An
// mlform that reads format 3 would refuse the member as unknown; format 4
// tells it to upgrade instead.
func (s *State) usesFormat4() bool {
	for _, m := range s.Models {
		if m == nil {
			continue
		}
		for _, r := range m.Running {
			if r != nil && len(r.ExecutorSettings) > 0 {
				return true
			}
		}
		for _, e := range m.Evaluating {
			if e != nil && len(e.ExecutorSettings) > 0 {
				return true
			}
		}
	}
	return false
}

// usesFormat3 reports whether s holds what format 3 added: a version's
// code archive or batch job, a running attempt or evaluation.
func (s *State) usesFormat3() bool {
	for _, m := range s.Models {
		if m == nil {
			continue
		}
		if len(m.Running) > 0 || len(m.Evaluating) > 0 {
			return true
		}
		for _, v := range m.Versions {
			if v != nil && (v.CodeID != "" || v.Job != "") {
				return true
			}
		}
	}
	return false
}

// maxSettings bounds a running record's executor settings: a settings
// block has a dozen arguments, each a short value.
const maxSettings = 64

// validateSettings checks a running record's executor settings: names
// are identifiers, values strings, numbers, booleans or lists of strings
// (what a settings block holds; the executor checks the values again when
// it is opened with them).
func validateSettings(where string, settings map[string]any) error {
	if len(settings) > maxSettings {
		return fmt.Errorf("%s: %d executor settings, at most %d", where, len(settings), maxSettings)
	}
	for k, v := range settings {
		if !IsIdentifier(k) {
			return fmt.Errorf("%s: executor setting name %q is not an identifier", where, termtext.Truncate(k, 80))
		}
		switch v := v.(type) {
		case string, float64, bool, nil:
		case []any:
			for _, el := range v {
				if _, ok := el.(string); !ok {
					return fmt.Errorf("%s: executor setting %s: a list element is not a string", where, k)
				}
			}
		default:
			return fmt.Errorf("%s: executor setting %s: not a string, number, boolean or list of strings", where, k)
		}
	}
	return nil
}

// UncollectedJobs describes the batch jobs of m no apply has collected
// yet, train jobs by version first ("v9 (slurm job 14)"), then evaluation
// jobs ("the evaluation of v3 (kubernetes job mlform-…)"); evaluations
// counts the latter. What `state rm` refuses to forget and what plan
// names for a model no longer declared.
func (m *Model) UncollectedJobs() (jobs []string, evaluations int) {
	job := func(executor, id string) string {
		if id == "" {
			return executor + " job (being submitted)"
		}
		return executor + " job " + id
	}
	running := slices.DeleteFunc(slices.Clone(m.Running), func(r *RunningAttempt) bool { return r == nil })
	slices.SortStableFunc(running, func(a, b *RunningAttempt) int { return a.Version - b.Version })
	for _, r := range running {
		jobs = append(jobs, fmt.Sprintf("v%d (%s)", r.Version, job(r.Executor, r.JobID)))
	}
	evaluating := slices.DeleteFunc(slices.Clone(m.Evaluating), func(e *RunningEvaluation) bool { return e == nil })
	slices.SortStableFunc(evaluating, func(a, b *RunningEvaluation) int { return a.Version - b.Version })
	for _, e := range evaluating {
		jobs = append(jobs, fmt.Sprintf("the evaluation of v%d (%s)", e.Version, job(e.Executor, e.JobID)))
	}
	return jobs, len(evaluating)
}
