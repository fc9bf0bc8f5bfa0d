package model

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mlform/mlform/internal/whoami"

	"github.com/mlform/mlform/config"
	"github.com/mlform/mlform/internal/objname"
	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/planner/notify"
	"github.com/mlform/mlform/planner/plans"
	"github.com/mlform/mlform/planner/policy"
	"github.com/mlform/mlform/planner/provenance"
	"github.com/mlform/mlform/planner/step"
	"github.com/mlform/mlform/providers/executor"
	"github.com/mlform/mlform/providers/storage"
	"github.com/mlform/mlform/state"
	"github.com/mlform/mlform/state/statemgr"
)

// runTrain trains one model version. It checks the inputs are still what
// plan saw, decides a conditional train after evaluating the champion,
// allocates the version number (persisted at once: numbers are never
// reused, but for one whose job a batch system refused: unsubmitted),
// runs the train step, stores logs and artifacts, and records the
// version. A failed, timed-out or cancelled train is recorded as a failed
// attempt, changes nothing else, and fails the action.
func runTrain(ctx context.Context, rc *engine.RunContext, a *plans.Action, specs *modelSpecs) error {
	tc := a.Train
	ws := rc.Workspace
	spec := specs.Models[tc.Model]
	if spec == nil {
		return fmt.Errorf("model.%s is no longer declared; run plan again", tc.Model)
	}
	if tc.Collect {
		return runCollect(ctx, rc, a, specs, spec)
	}
	if err := sameDatasets(spec.Datasets, tc.Snapshots); err != nil {
		return fmt.Errorf("model.%s: %w; run plan again", tc.Model, err)
	}
	inputs, err := buildInputs(ws.BaseDir, spec, tc.Snapshots, codeCache(ws))
	if err != nil {
		return err
	}
	if inputs.Digest != tc.InputsDigest {
		return fmt.Errorf("the inputs of model.%s changed since the plan (code, environment files or params); run plan again", tc.Model)
	}
	reasons := make([]string, 0, len(a.Reasons))
	for _, r := range a.Reasons {
		reasons = append(reasons, r.Message)
	}
	if isConditional(a) {
		d, err := decideAfterEvaluation(ctx, rc, a, specs, spec, inputs)
		if err != nil {
			return err
		}
		if !d.Train {
			why := "no trigger fired"
			if d.DeferredWhy != "" {
				why = d.DeferredWhy
			}
			rc.SetSummary(a, notRetrainedPrefix+why)
			return nil
		}
		reasons = reasons[:0]
		for _, r := range d.Reasons {
			reasons = append(reasons, r.Message)
		}
	}

	var version int
	var stores map[string]string
	err = rc.UpdateState(statemgr.ChangingModel(ctx, tc.Model), func(st *state.State) error {
		var err error
		if stores, err = snapshotStores(st, tc.Snapshots); err != nil {
			return err
		}
		m := st.EnsureModel(tc.Model)
		version = max(m.NextVersion, 1)
		m.NextVersion = version + 1
		return nil
	})
	if err != nil {
		return err
	}
	v, detached, done, err := trainAttempt(ctx, rc, a, spec, inputs, version, reasons, stores)
	if err != nil {
		return err
	}
	if v == nil {
		if detached == "" { // never started: nothing to record
			return nil
		}
		rc.SetSummary(a, detached)
		return nil
	}
	return recordAttempt(ctx, rc, a, specs, spec, v, done)
}

// recordAttempt records a finished attempt (removing its running record,
// if any), then runs done (nil: nothing) and sets the action's summary;
// an attempt that did not succeed fails the action.
func recordAttempt(ctx context.Context, rc *engine.RunContext, a *plans.Action, specs *modelSpecs, spec *modelSpec, v *state.Version, done func()) error {
	ws := rc.Workspace
	v.Error = engine.RedactString(v.Error, spec.Secrets) // a trainer-chosen name may quote one
	ps := specs.policyFor(spec.Name)
	recordCtx := statemgr.ChangingModel(ctx, spec.Name)
	if ps != nil {
		recordCtx = statemgr.ChangingPolicy(recordCtx, ps.Name)
	}
	if err := rc.UpdateState(recordCtx, func(st *state.State) error {
		m := st.EnsureModel(spec.Name)
		m.RemoveRunning(v.Version)
		m.Versions = append(m.Versions, v)
		if v.Status == state.StatusSucceeded && ps != nil {
			if st.Policies == nil {
				st.Policies = map[string]*state.Policy{}
			}
			p := st.Policies[ps.Name]
			if p == nil {
				p = &state.Policy{Name: ps.Name, LastTrain: map[string]time.Time{}}
				st.Policies[ps.Name] = p
			}
			if p.LastTrain == nil {
				p.LastTrain = map[string]time.Time{}
			}
			p.LastTrain[spec.Name] = ws.Now.UTC()
		}
		return nil
	}); err != nil {
		return err
	}
	if done != nil {
		done()
	}
	notifyTrain(ctx, rc, a, specs, spec.Name, v)
	if v.Status != state.StatusSucceeded {
		return attemptError(spec.Name, v)
	}
	if w := missingDeclared("train", spec.Train.Metrics, v.Metrics); w != "" {
		rc.Progress.Logf(a, "v%d: %s", v.Version, w)
	}
	rc.SetSummary(a, fmt.Sprintf("trained v%d (%s)", v.Version, metricsSummary(v.Metrics)))
	return nil
}

// trainAttempt runs the train step and returns the version to record,
// whatever happened, and what to do once it is recorded (nil: nothing).
// On a batch executor with apply -wait=false it returns no version and
// what was submitted instead: a later apply collects it. An error means
// no attempt was made (the cluster refused the job): nothing to record.
func trainAttempt(ctx context.Context, rc *engine.RunContext, a *plans.Action, spec *modelSpec, inputs state.Inputs, version int, reasons []string, stores map[string]string) (*state.Version, string, func(), error) {
	ws := rc.Workspace
	// The reasons are in the version from the start: a batch job's draft
	// keeps them for the apply that collects it.
	v := &state.Version{Version: version, Status: state.StatusFailed, Reasons: reasons, Inputs: inputs, ExitCode: -1,
		User: whoami.User(), GitCommit: gitCommit(ctx, ws.BaseDir), Description: spec.Description,
		PlanDigest: rc.PlanDigest(), Store: spec.Storage, StartedAt: ws.Now.UTC()}
	v.EndedAt = v.StartedAt
	store, err := ws.Store(ctx, spec.Storage)
	if err != nil {
		v.Error = err.Error()
		return v, "", nil, nil
	}
	// The code the version is built from, archived before it runs:
	// remote steps run it, reproduce runs it again, pull -code restores it.
	if v.CodeID, err = step.ArchiveCode(ctx, store, ws.BaseDir, spec.Code, inputs.CodeHash); err != nil {
		v.Error = err.Error()
		return v, "", nil, nil
	}
	if bx, name, ok := batchExecutor(ws, spec.Environment.Executor, spec.ExecutorSettings); ok {
		return submitRemote(ctx, rc, a, spec, v, store, stores, bx, name)
	}
	// The card is stored once the train succeeded (Record, below), but
	// one that cannot be read would fail the attempt then: say so before
	// the train runs, as submitRemote does before submitting.
	if _, err := provenance.ReadCard(ws, spec.provenance()); err != nil {
		v.Error = engine.RedactString(err.Error(), spec.Secrets)
		return v, "", nil, nil
	}
	rc.Stage(a, fmt.Sprintf("training v%d", version))
	run := localStep(ws, spec, executor.StepTrain, version)
	run.Snapshots, run.SnapshotStores = inputs.Snapshots, stores
	run.Log = func(line string) { rc.Progress.Logf(a, "v%d: %s", version, line) }
	run.Queue = func(q engine.QueueState) { engine.ReportQueue(rc.Progress, a, q) }
	out, runErr := run.Run(ctx)
	if out != nil {
		defer out.Close()
		res := out.Result
		if !res.StartedAt.IsZero() {
			v.StartedAt, v.EndedAt = runTimes(ws, res.StartedAt, res.EndedAt)
			v.Host, v.ExitCode = res.Host, res.ExitCode
			v.Status = res.Status
		}
		// Logs are kept for every attempt that ran, failed ones above all.
		if id, err := step.PutLogs(context.WithoutCancel(ctx), store, out); err == nil {
			v.LogsID = id
		} else {
			runErr = errors.Join(runErr, fmt.Errorf("store logs: %w", err))
		}
	}
	switch {
	case runErr != nil && ctx.Err() != nil:
		v.Status, v.Error = state.StatusCancelled, "cancelled: "+runErr.Error()
		return v, "", nil, nil
	case runErr != nil:
		v.Status, v.Error = state.StatusFailed, runErr.Error()
		return v, "", nil, nil
	case v.Status == state.StatusTimedOut:
		v.Error = withReason("timed out after "+policy.FormatDuration(spec.Train.Timeout), out, spec.Secrets)
		return v, "", nil, nil
	case v.Status == state.StatusCancelled:
		v.Error = withReason("cancelled", out, spec.Secrets)
		return v, "", nil, nil
	case v.Status != state.StatusSucceeded:
		v.Error = withReason(fmt.Sprintf("train command exited with status %d", v.ExitCode), out, spec.Secrets)
		return v, "", nil, nil
	}
	metrics, err := step.ReadMetrics(out, spec.Secrets)
	if err != nil {
		v.Status, v.Error = state.StatusFailed, err.Error()
		return v, "", nil, nil
	}
	if err := step.CheckOutputNames(out.OutputDir); err != nil {
		v.Status, v.Error = state.StatusFailed, engine.RedactString(err.Error(), spec.Secrets)
		return v, "", nil, nil
	}
	id, err := step.PutTree(ctx, store, out.OutputDir, "artifacts")
	if err != nil {
		v.Status, v.Error = state.StatusFailed, fmt.Sprintf("store artifacts: %v", err)
		return v, "", nil, nil
	}
	if err := provenance.Record(ctx, ws, spec.provenance(), store, v); err != nil {
		v.Status, v.Error = state.StatusFailed, engine.RedactString(err.Error(), spec.Secrets)
		return v, "", nil, nil
	}
	v.Metrics, v.ArtifactsID = metrics, id
	return v, "", nil, nil
}

// decideAfterEvaluation evaluates the champion on the train's snapshots
// (unless state already holds that evaluation), records it, and asks the
// retrain policy again with its metrics.
func decideAfterEvaluation(ctx context.Context, rc *engine.RunContext, a *plans.Action, specs *modelSpecs, spec *modelSpec, inputs state.Inputs) (policy.Decision, error) {
	ps := specs.policyFor(spec.Name)
	if ps == nil {
		return policy.Decision{}, fmt.Errorf("model.%s has no retrain policy any more; run plan again", spec.Name)
	}
	in := policy.RetrainInput{Model: spec.Name, Policy: &ps.Policy, Current: inputs, Now: rc.Workspace.Now}
	evaluator, err := evaluatorDigest(rc.Workspace.BaseDir, spec, codeCache(rc.Workspace))
	if err != nil {
		return policy.Decision{}, fmt.Errorf("evaluation of the champion: %w", err)
	}
	var champ *state.Version
	var cached *state.Evaluation
	var stores map[string]string
	var serr error
	rc.ReadState(func(st *state.State) {
		m := st.Models[spec.Name]
		if m == nil {
			return
		}
		if l := policy.LatestSucceeded(m); l != nil {
			cp := *l
			in.Latest = &cp
		}
		in.LastTrain = lastTrain(st, ps.Name, spec.Name)
		if n := championVersion(st, specs, spec.Name); n > 0 {
			cp := *m.Version(n)
			champ = &cp
			if ev := cachedEvaluation(m, n, inputs.Snapshots, evaluator); ev != nil {
				cached = ev
			}
		}
		stores, serr = snapshotStores(st, inputs.Snapshots)
	})
	if champ == nil {
		return policy.DecideRetrain(in), nil
	}
	metrics := map[string]float64(nil)
	if cached != nil {
		metrics = cached.Metrics
	} else {
		if serr != nil {
			return policy.Decision{}, serr
		}
		if metrics, err = evaluateVersion(ctx, rc, a, spec, champ, inputs.Snapshots, stores, "the current data"); err != nil {
			return policy.Decision{}, err
		}
	}
	in.Champion = &policy.Champion{Version: champ.Version, Metrics: metrics}
	d := policy.DecideRetrain(in)
	for _, n := range d.Notes {
		rc.Progress.Logf(a, "%s", n)
	}
	return d, nil
}

// evaluateVersion runs the evaluate step of v on the snapshots and
// records the evaluation (failed ones too) in state. where names the
// snapshots in the log line ("v4's training data", "the current data").
func evaluateVersion(ctx context.Context, rc *engine.RunContext, a *plans.Action, spec *modelSpec, v *state.Version, snaps, stores map[string]string, where string) (map[string]float64, error) {
	if spec.Evaluate == nil {
		return nil, fmt.Errorf("model.%s declares no evaluate step", spec.Name)
	}
	if v.ArtifactsID == "" {
		return nil, fmt.Errorf("v%d has no recorded artifacts to evaluate", v.Version)
	}
	rc.Stage(a, fmt.Sprintf("evaluating v%d", v.Version))
	ev := &state.Evaluation{Version: v.Version, Snapshots: snaps, At: rc.Workspace.Now.UTC(), Status: state.StatusFailed}
	// Which evaluate step scores it: promotions compare only scores by the
	// same one (yardstick.go).
	evaluator, derr := evaluatorDigest(rc.Workspace.BaseDir, spec, codeCache(rc.Workspace))
	if derr != nil {
		return nil, fmt.Errorf("evaluation of v%d: %w", v.Version, derr)
	}
	ev.Evaluator = evaluator
	var metrics map[string]float64
	var res executor.Result
	var err error
	var readMetrics func() (map[string]float64, error)
	if bx, name, ok := batchExecutor(rc.Workspace, spec.Environment.Executor, spec.ExecutorSettings); ok {
		var artifacts string
		var store *storage.Store
		res, artifacts, store, err = evaluateRemote(ctx, rc, a, spec, v, snaps, stores, evaluator, bx, name)
		readMetrics = func() (map[string]float64, error) {
			return step.StoredMetrics(ctx, store, artifacts, spec.Secrets, false)
		}
	} else {
		run := localStep(rc.Workspace, spec, executor.StepEvaluate, v.Version)
		run.Snapshots, run.SnapshotStores, run.ModelArtifacts, run.ModelStore = snaps, stores, v.ArtifactsID, v.Store
		run.Log = func(line string) { rc.Progress.Logf(a, "evaluate v%d: %s", v.Version, line) }
		run.Queue = func(q engine.QueueState) { engine.ReportQueue(rc.Progress, a, q) }
		var out *step.Output
		out, err = run.Run(ctx)
		if out != nil {
			defer out.Close()
			res = out.Result
		}
		readMetrics = func() (map[string]float64, error) { return step.ReadMetrics(out, spec.Secrets) }
	}
	switch {
	case err != nil:
	case res.Status != state.StatusSucceeded:
		ev.Status = res.Status
		msg := fmt.Sprintf("evaluate command %s (exit status %d)", strings.ReplaceAll(res.Status, "_", " "), res.ExitCode)
		if res.Reason != "" {
			msg += ": " + engine.RedactString(res.Reason, spec.Secrets)
		}
		err = errors.New(msg)
	default:
		if metrics, err = readMetrics(); err == nil {
			ev.Status, ev.Metrics = state.StatusSucceeded, metrics
		}
	}
	if uerr := rc.UpdateState(statemgr.ChangingModel(ctx, spec.Name), func(st *state.State) error {
		if m := st.Models[spec.Name]; m != nil {
			m.Evaluations = append(m.Evaluations, ev)
		}
		return nil
	}); uerr != nil {
		return nil, uerr
	}
	if err != nil {
		return nil, fmt.Errorf("evaluation of v%d: %w", v.Version, err)
	}
	rc.Progress.Logf(a, "evaluated v%d on %s: %s", v.Version, where, metricsSummary(metrics))
	if w := missingDeclared("evaluate", spec.Evaluate.Metrics, metrics); w != "" {
		rc.Progress.Logf(a, "evaluate v%d: %s", v.Version, w)
	}
	return metrics, nil
}

// sameDatasets checks a plan's snapshot map names exactly the model's
// datasets (a saved plan is read from a file).
func sameDatasets(datasets []string, snaps map[string]string) error {
	if len(snaps) != len(engine.Uniq(append([]string(nil), datasets...))) {
		return fmt.Errorf("the plan trains on %d datasets, the model declares %d", len(snaps), len(datasets))
	}
	for _, ds := range datasets {
		if _, ok := snaps[ds]; !ok {
			return fmt.Errorf("the plan has no snapshot of dataset.%s", ds)
		}
	}
	return nil
}

// metricsSummary renders metrics compactly for summaries.
func metricsSummary(m map[string]float64) string {
	if len(m) == 0 {
		return "no metrics"
	}
	parts := make([]string, 0, len(m))
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i == summaryMetrics {
			parts = append(parts, fmt.Sprintf("+%d more", len(m)-summaryMetrics))
			break
		}
		parts = append(parts, k+"="+strconv.FormatFloat(m[k], 'g', 6, 64))
	}
	return strings.Join(parts, " ")
}

// summaryMetrics is how many metrics the one-line train summary shows
// (6 significant digits each, as in the versions table; lineage has all).
const summaryMetrics = 4

// gitCommit is the working directory's commit, with "-dirty" when it has
// uncommitted changes; "" outside a git repository.
func gitCommit(ctx context.Context, dir string) string {
	out, err := exec.CommandContext(ctx, "git", "-C", dir, "rev-parse", "HEAD").Output()
	if err != nil {
		return ""
	}
	commit := strings.TrimSpace(string(out))
	if st, err := exec.CommandContext(ctx, "git", "-C", dir, "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(strings.TrimSpace(string(st))) > 0 {
		commit += "-dirty"
	}
	return commit
}

// attemptError is the apply error of a failed attempt: "v3 timed out after
// 30m", "v3 failed: train command exited with status 1", "v3 cancelled".
// When the attempt's output was stored, the error says how to read it.
func attemptError(model string, v *state.Version) error {
	status := strings.ReplaceAll(v.Status, "_", " ")
	msg := fmt.Sprintf("v%d %s: %s", v.Version, status, v.Error)
	// A batch job's error starts "timed out: <the cluster's reason>".
	if v.Error == "" || v.Error == status || strings.HasPrefix(v.Error, status+" ") || strings.HasPrefix(v.Error, status+":") {
		msg = fmt.Sprintf("v%d %s", v.Version, orText(v.Error, status))
	}
	if v.LogsID != "" && v.Host != "" { // Host: the command ran
		msg += fmt.Sprintf(" (output: mlform lineage -logs %s)", objname.ShellArg(fmt.Sprintf("model.%s@%d", model, v.Version)))
	}
	return errors.New(msg)
}

func orText(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// withReason adds what ran the step said about its end (a batch system's
// "slurm job 12 on node-3 CANCELLED outside mlform"), when it said more
// than the exit status, to msg: the attempt's recorded error names the
// cluster's reason.
func withReason(msg string, out *step.Output, secrets []string) string {
	if out == nil || out.Result.Reason == "" {
		return msg
	}
	return msg + ": " + engine.RedactString(out.Result.Reason, secrets)
}

// snapshotStores finds, in state, the store holding each snapshot.
func snapshotStores(st *state.State, snaps map[string]string) (map[string]string, error) {
	out := map[string]string{}
	for ds, id := range snaps {
		s := findSnapshot(st, ds, id)
		if s == nil {
			return nil, fmt.Errorf("dataset.%s snapshot %s is not recorded in state", ds, plans.ShortID(id))
		}
		out[ds] = s.Store
	}
	return out, nil
}

// notifyTrain sends the events of a recorded attempt: failed, or a
// retrain on drift.
func notifyTrain(ctx context.Context, rc *engine.RunContext, a *plans.Action, specs *modelSpecs, model string, v *state.Version) {
	if v.Status != state.StatusSucceeded {
		status := strings.ReplaceAll(v.Status, "_", " ")
		notify.Send(ctx, rc, a, specs.Notify, notify.Event{Event: config.EventFailed, Model: model, Version: v.Version, Reasons: []string{v.Error},
			Text: fmt.Sprintf("mlform: model.%s v%d %s: %s", model, v.Version, status, v.Error)})
		return
	}
	var drift []string
	for _, r := range a.Reasons {
		if r.Code == plans.ReasonDrift {
			drift = append(drift, r.Message)
		}
	}
	if a.Train != nil && a.Train.Collect {
		// A collected batch job: the plan's reason is that it runs; why
		// it was trained is in its record.
		for _, r := range v.Reasons {
			if policy.IsDriftReason(r) {
				drift = append(drift, r)
			}
		}
	}
	if len(drift) > 0 {
		notify.Send(ctx, rc, a, specs.Notify, notify.Event{Event: config.EventDrift, Model: model, Version: v.Version, Reasons: drift, Metrics: v.Metrics, MetricsSource: trainStepSource,
			Text: fmt.Sprintf("mlform: model.%s retrained as v%d on drift: %s", model, v.Version, strings.Join(drift, "; "))})
	}
}
