package model

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mlform/mlform/planner/plans"
	"github.com/mlform/mlform/planner/step"
	"github.com/mlform/mlform/providers/executor"
	"github.com/mlform/mlform/providers/executor/remote"
	"github.com/mlform/mlform/state"
)

// fakeBatch is a batch executor whose "cluster" runs each job's argv
// (`mlform step run STORE SPECID`) in this process: the remote-step
// protocol end to end, without a scheduler. forget makes Attach fail as a
// cluster that purged the finished job would; unreachable, at once, as a
// controller that does not answer.
type fakeBatch struct {
	mu          sync.Mutex
	jobs        map[string]*fakeJob
	forget      bool
	unreachable bool
	// hold, when set, keeps each job from starting until it is closed.
	hold chan struct{}
}

type fakeJob struct {
	name string
	done chan struct{}
	res  *remote.Result
	err  error
}

func (f *fakeBatch) Name() string { return "fakebatch" }
func (f *fakeBatch) Run(ctx context.Context, t executor.Task) (executor.Result, error) {
	return executor.Result{}, errors.New("fakebatch runs remote steps only")
}

func (f *fakeBatch) Submit(ctx context.Context, t executor.Task) (string, error) {
	if len(t.Command) != 5 || t.Command[1] != "step" || t.Command[2] != "run" {
		return "", fmt.Errorf("not a remote step: %q", t.Command)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	id := fmt.Sprint(len(f.jobs) + 1)
	j := &fakeJob{name: fmt.Sprintf("%s-v%d-%s", t.Model, t.Version, t.Attempt), done: make(chan struct{})}
	f.jobs[id] = j
	env, hold := t.Env, f.hold
	go func() {
		defer close(j.done)
		if hold != nil {
			<-hold
		}
		j.res, j.err = step.RunRemote(context.Background(), t.Command[3], t.Command[4], step.RemoteOptions{
			Getenv: func(k string) string { return env[k] }, Stdout: io.Discard, Stderr: io.Discard})
	}()
	return id, nil
}

func (f *fakeBatch) Attach(ctx context.Context, id string, t executor.Task) (executor.Result, error) {
	f.mu.Lock()
	j := f.jobs[id]
	f.mu.Unlock()
	if j == nil {
		return executor.Result{}, fmt.Errorf("job %s unknown", id)
	}
	if f.unreachable {
		return executor.Result{}, fmt.Errorf("job %s: the controller does not answer", id)
	}
	<-j.done
	if f.forget {
		return executor.Result{}, fmt.Errorf("job %s unknown to the cluster", id)
	}
	if j.err != nil {
		return executor.Result{Status: state.StatusFailed, ExitCode: 1, Host: "fake-node", Reason: j.err.Error()}, nil
	}
	return executor.Result{Status: j.res.Status, ExitCode: j.res.ExitCode, StartedAt: j.res.StartedAt, EndedAt: j.res.EndedAt, Host: "fake-node"}, nil
}

func (f *fakeBatch) Find(ctx context.Context, t executor.Task) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ids []string
	for id, j := range f.jobs {
		if j.name == fmt.Sprintf("%s-v%d-%s", t.Model, t.Version, t.Attempt) {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

func (f *fakeBatch) Describe(ctx context.Context, id string) (executor.Progress, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	j := f.jobs[id]
	if j == nil {
		return executor.Progress{}, fmt.Errorf("job %s: %w", id, executor.ErrJobGone)
	}
	select {
	case <-j.done:
		return executor.Progress{JobID: id, State: "COMPLETED", Host: "fake-node"}, nil
	default:
		return executor.Progress{JobID: id, State: "RUNNING", Host: "fake-node"}, nil
	}
}

func (f *fakeBatch) RemoteBinary() (string, error) { return "/opt/mlform/bin/mlform", nil }

func newRemoteApplyWorld(t *testing.T) (*applyWorld, *fakeBatch) {
	t.Setenv("TMPDIR", t.TempDir())
	w := newApplyWorld(t)
	fb := &fakeBatch{jobs: map[string]*fakeJob{}}
	w.ws.Executors.Register("fakebatch", func(executor.Settings) (executor.Executor, error) { return fb, nil })
	w.specs.Models["churn"].Environment.Executor = "fakebatch"
	return w, fb
}

// A job deleted or purged while no apply watched it is not shown by plan
// as still running (what state last saw), but as unknown to the cluster.
func TestPlanRunningJobGone(t *testing.T) {
	w, fb := newRemoteApplyWorld(t)
	snap := w.snapshot("a\nb\n", "0.8")
	w.ws.NoWait = true
	if _, res := w.apply(snap); !strings.Contains(summaries(res), "submitted v1 as fakebatch job 1") {
		t.Fatalf("apply -wait=false:\n%s", summaries(res))
	}
	w.ws.NoWait = false
	r := w.st.Models["churn"].RunningAttempt(1)
	r.StartedAt, r.Node = time.Now(), "fake-node" // as a watching apply saw it
	fb.mu.Lock()
	<-fb.jobs["1"].done
	delete(fb.jobs, "1")
	fb.mu.Unlock()
	p := w.mustPlan(snap, false)
	if len(p.Actions) == 0 || !p.Actions[0].Train.Collect {
		t.Fatalf("plan: %s", describe(p))
	}
	if msg := p.Actions[0].Reasons[0].Message; !strings.HasPrefix(msg, "v1 ended (no longer known to the cluster) as fakebatch job 1 on fake-node for ") {
		t.Fatalf("plan of a job the cluster no longer knows: %q", msg)
	}
}

func TestApplyRemoteStep(t *testing.T) {
	w, fb := newRemoteApplyWorld(t)
	snap := w.snapshot("a\nb\n", "0.8")
	_, res := w.apply(snap)
	if !strings.Contains(summaries(res), "trained v1") {
		t.Fatalf("apply:\n%s", summaries(res))
	}
	v := w.st.Models["churn"].Version(1)
	if v.Job != "fakebatch job 1" || v.Host != "fake-node" || v.CodeID == "" || v.ArtifactsID == "" || v.LogsID == "" || v.Metrics["accuracy"] != 0.9 {
		t.Fatalf("v1 = %+v", v)
	}
	if len(w.st.Models["churn"].Running) != 0 || len(fb.jobs) != 1 {
		t.Fatalf("running %v, jobs %d", w.st.Models["churn"].Running, len(fb.jobs))
	}

	// -wait=false: submitted and recorded as running; the next plan
	// collects it, and the version is recorded once.
	w.ws.NoWait = true
	_, res = w.apply(snap, "model.churn")
	if got := summaries(res); !strings.Contains(got, "submitted v2 as fakebatch job 2; a later apply collects it") {
		t.Fatalf("apply -wait=false:\n%s", got)
	}
	if r := w.st.Models["churn"].RunningAttempt(2); r == nil || r.JobID != "2" || w.st.Models["churn"].Version(2) != nil {
		t.Fatalf("after -wait=false: running %+v", w.st.Models["churn"].Running)
	}
	w.ws.NoWait = false
	p := w.mustPlan(snap, false)
	if d := describe(p); !strings.Contains(d, "train model.churn") || !p.Actions[0].Train.Collect || !strings.Contains(p.Actions[0].Reasons[0].Message, "v2 running as fakebatch job 2 on fake-node") {
		t.Fatalf("plan with a running attempt: %s %+v", d, p.Actions[0].Reasons)
	}
	_, res = w.apply(snap)
	if got := summaries(res); !strings.Contains(got, "trained v2") {
		t.Fatalf("collect:\n%s", got)
	}
	if n := countVersions(w.st, 2); n != 1 || len(w.st.Models["churn"].Running) != 0 || len(fb.jobs) != 2 {
		t.Fatalf("v2 recorded %d times, running %v, jobs %d", n, w.st.Models["churn"].Running, len(fb.jobs))
	}

	// reproduce on the batch executor runs v1's archived code as a job,
	// after the code changed, and compares the stored artifacts.
	if err := os.WriteFile(filepath.Join(w.ws.BaseDir, "trainer", "run.sh"), []byte("#!/bin/sh\nexit 7\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if rep := w.rerun("model.churn@1", false); !w.sameAsRecorded(rep, 1) || rep.CodeID != w.st.Models["churn"].Version(1).CodeID {
		t.Fatalf("reproduce on the batch executor: %+v", rep)
	}
	if rep := w.rerun("model.churn@1", true); rep.Status == state.StatusSucceeded || rep.ExitCode != 7 {
		t.Fatalf("reproduce -current-code on the batch executor: %+v", rep)
	}
	if err := os.WriteFile(filepath.Join(w.ws.BaseDir, "trainer", "run.sh"), []byte(trainerScript), 0o755); err != nil {
		t.Fatal(err)
	}

	// A cluster that forgot the finished job: recorded from its result.
	fb.forget = true
	w.ws.NoWait = true
	w.apply(snap, "model.churn")
	w.ws.NoWait = false
	_, res = w.apply(snap)
	if got := summaries(res); !strings.Contains(got, "trained v3") {
		t.Fatalf("collect of a forgotten job:\n%s", got)
	}
	if v := w.st.Models["churn"].Version(3); v == nil || v.Status != state.StatusSucceeded || v.ArtifactsID == "" {
		t.Fatalf("v3 = %+v", v)
	}
}

// TestApplyRemoteEvaluationReattached: an evaluate step on a batch
// executor is recorded while its job runs; an apply that could not follow
// it (here the controller did not answer; likewise a killed apply) leaves
// the record, plan notes it, and the next apply that needs the same
// evaluation follows that job instead of submitting another.
func TestApplyRemoteEvaluationReattached(t *testing.T) {
	w, fb := newRemoteApplyWorld(t)
	w.withTriggerAndV1()
	snapB := w.snapshot("a\nb\n", "0.88")
	fb.unreachable = true
	if _, res := w.apply(snapB); !res.Failed() {
		t.Fatalf("apply with the controller unreachable:\n%s", summaries(res))
	}
	m := w.st.Models["churn"]
	if len(m.Evaluating) != 1 || m.Evaluating[0].JobID != "2" || m.Evaluating[0].Version != 1 || evaluationBy(m, 1, m.Evaluating[0].Snapshots, "") != nil {
		t.Fatalf("evaluating %+v, evaluations %+v: want job 2 recorded, no score", m.Evaluating, m.Evaluations)
	}
	p := w.mustPlan(snapB, false)
	if !hasNote(p, "the evaluate step of v1 running as fakebatch job 2 on fake-node") {
		t.Errorf("plan does not note the running evaluation: %+v", p.Notes)
	}
	fb.unreachable = false
	_, res := w.apply(snapB)
	m = w.st.Models["churn"]
	if ev := evaluationBy(m, 1, map[string]string{"churn": snapB}, ""); res.Failed() || !strings.Contains(summaries(res), "not retrained") || len(m.Evaluating) != 0 || ev == nil || ev.Metrics["accuracy"] != 0.88 {
		t.Fatalf("re-attached evaluation:\n%s\nevaluating %+v, evaluations %+v", summaries(res), m.Evaluating, m.Evaluations)
	}
	if len(fb.jobs) != 2 {
		t.Errorf("%d jobs submitted, want 2 (the train and one evaluation)", len(fb.jobs))
	}
}

func countVersions(st *state.State, n int) int {
	c := 0
	for _, v := range st.Models["churn"].Versions {
		if v.Version == n {
			c++
		}
	}
	return c
}

// Under -now a batch job's version follows the run's clock, as a local
// step's does: it starts at the Now of the apply that submitted it, also
// when a later apply (with another Now) collects it; and it keeps why it
// was trained.
func TestApplyRemoteStepOneClock(t *testing.T) {
	w, _ := newRemoteApplyWorld(t)
	w.ws.FixedClock = true
	submitted := time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)
	w.ws.Now = submitted
	snap := w.snapshot("a\nb\n", "0.8")
	w.apply(snap)
	if v := w.st.Models["churn"].Version(1); v == nil || !v.StartedAt.Equal(submitted) || v.EndedAt.Before(v.StartedAt) || v.EndedAt.After(submitted.Add(time.Minute)) {
		t.Fatalf("v1 collected in its apply: %+v", v)
	}

	w.ws.NoWait = true
	w.apply(snap, "model.churn")
	w.ws.NoWait = false
	if r := w.st.Models["churn"].Running; len(r) != 1 || !r[0].SubmittedAt.Equal(submitted) {
		t.Fatalf("running v2 submitted at %+v, want the run's clock %v", r, submitted)
	}
	w.ws.Now = submitted.Add(24 * time.Hour)
	_, res := w.apply(snap)
	if !strings.Contains(summaries(res), "trained v2") {
		t.Fatalf("collect:\n%s", summaries(res))
	}
	v := w.st.Models["churn"].Version(2)
	if v == nil || !v.StartedAt.Equal(submitted) {
		t.Fatalf("v2 collected by a later apply starts at %v, want the submitting apply's %v", v.StartedAt, submitted)
	}
	// Why it was trained is recorded with it, not the collecting plan's
	// "running as fakebatch job 2".
	if len(v.Reasons) != 1 || !strings.Contains(v.Reasons[0], "forced by -replace=model.churn") {
		t.Fatalf("v2 reasons %q", v.Reasons)
	}
}

// twoClusters registers a "fakebatch" executor whose "where" setting
// picks one of two clusters, a and b, that know only their own jobs, and
// makes model churn run on a.
func twoClusters(w *applyWorld) (map[string]*fakeBatch, *modelSpec) {
	clusters := map[string]*fakeBatch{"a": {jobs: map[string]*fakeJob{}}, "b": {jobs: map[string]*fakeJob{}}}
	w.ws.Executors.Add("fakebatch", executor.Spec{
		Settings: []executor.Setting{{Name: "where", Type: executor.String}},
		Factory: func(s executor.Settings) (executor.Executor, error) {
			return clusters[s.String("where")], nil
		},
	})
	spec := w.specs.Models["churn"]
	spec.Environment.Executor = "fakebatch"
	spec.ExecutorSettings = map[string]any{"where": "a"}
	return clusters, spec
}

// TestApplyRemoteCollectsWithSubmittedSettings: a running attempt is
// reached with the executor settings it was submitted with (the block
// changed since: placement, which plans no retrain; another "where" is
// another cluster that does not know the job), and with today's block
// when the recorded ones no longer decode.
func TestApplyRemoteCollectsWithSubmittedSettings(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	w := newApplyWorld(t)
	clusters, spec := twoClusters(w)
	snap := w.snapshot("a\nb\n", "0.8")
	w.ws.NoWait = true
	w.apply(snap, "model.churn")
	w.ws.NoWait = false
	if r := w.st.Models["churn"].RunningAttempt(1); r == nil || r.ExecutorSettings["where"] != "a" || len(clusters["a"].jobs) != 1 {
		t.Fatalf("running attempt %+v, want it submitted to a and recorded with where=a", r)
	}

	spec.ExecutorSettings = map[string]any{"where": "b"}
	_, res := w.apply(snap)
	if got := summaries(res); !strings.Contains(got, "trained v1") {
		t.Fatalf("collect after the settings changed:\n%s", got)
	}

	// Recorded settings this executor no longer declares: today's block.
	w.ws.NoWait = true
	w.apply(snap, "model.churn")
	w.ws.NoWait = false
	r := w.st.Models["churn"].RunningAttempt(2)
	if r == nil || len(clusters["b"].jobs) != 1 {
		t.Fatalf("v2 running %+v, jobs on b %d", r, len(clusters["b"].jobs))
	}
	r.ExecutorSettings = map[string]any{"gone": "x"}
	_, res = w.apply(snap)
	if got := summaries(res); !strings.Contains(got, "trained v2") {
		t.Fatalf("collect with undecodable recorded settings:\n%s", got)
	}
}

// TestApplyRemoteEvaluationWithSubmittedSettings: a running evaluation is
// reached with the executor settings it was submitted with, as a running
// attempt is: after the block changed (another "where" is another cluster
// that does not know the job), plan describes the job where it runs and
// the next apply re-attaches to it there, instead of recording the
// evaluation lost while its job runs on (and submitting it again).
func TestApplyRemoteEvaluationWithSubmittedSettings(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	w := newApplyWorld(t)
	clusters, spec := twoClusters(w)
	w.withTriggerAndV1()
	snapB := w.snapshot("a\nb\n", "0.88")
	clusters["a"].unreachable = true
	if _, res := w.apply(snapB); !res.Failed() {
		t.Fatalf("apply with the controller unreachable:\n%s", summaries(res))
	}
	m := w.st.Models["churn"]
	if len(m.Evaluating) != 1 || m.Evaluating[0].JobID != "2" || m.Evaluating[0].ExecutorSettings["where"] != "a" {
		t.Fatalf("evaluating %+v: want job 2 recorded with where=a", m.Evaluating)
	}
	clusters["a"].unreachable = false

	spec.ExecutorSettings = map[string]any{"where": "b"}
	p := w.mustPlan(snapB, false)
	if !hasNote(p, "the evaluate step of v1 running as fakebatch job 2 on fake-node") {
		t.Errorf("plan does not describe the running evaluation where it runs: %+v", p.Notes)
	}
	_, res := w.apply(snapB)
	m = w.st.Models["churn"]
	if ev := evaluationBy(m, 1, map[string]string{"churn": snapB}, ""); res.Failed() || len(m.Evaluating) != 0 || ev == nil || ev.Status != state.StatusSucceeded || ev.Metrics["accuracy"] != 0.88 {
		t.Fatalf("evaluation re-attached after the settings changed:\n%s\nevaluating %+v, evaluations %+v", summaries(res), m.Evaluating, m.Evaluations)
	}
	if len(clusters["a"].jobs) != 2 || len(clusters["b"].jobs) != 0 {
		t.Errorf("jobs on a %d, on b %d: want the train and one evaluation on a, none on b", len(clusters["a"].jobs), len(clusters["b"].jobs))
	}
}

// TestApplyNoWaitLeavesRunningJobs: apply -wait=false waits for no job: a
// job submitted by an earlier apply that still runs stays recorded as
// running (the apply returns at once), and the first -wait=false apply
// after it ended collects it.
func TestApplyNoWaitLeavesRunningJobs(t *testing.T) {
	w, fb := newRemoteApplyWorld(t)
	fb.hold = make(chan struct{})
	snap := w.snapshot("a\nb\n", "0.8")
	w.ws.NoWait = true
	if _, res := w.apply(snap); !strings.Contains(summaries(res), "submitted v1 as fakebatch job 1; a later apply collects it") {
		t.Fatalf("apply -wait=false:\n%s", summaries(res))
	}
	returned := make(chan string, 1)
	go func() {
		_, res := w.apply(snap)
		returned <- summaries(res)
	}()
	select {
	case got := <-returned:
		if !strings.Contains(got, "submitted v1 as fakebatch job 1 earlier, still running; a later apply collects it") {
			t.Fatalf("apply -wait=false with the job running:\n%s", got)
		}
	case <-time.After(time.Minute):
		close(fb.hold)
		t.Fatal("apply -wait=false waited for a running job")
	}
	if r := w.st.Models["churn"].RunningAttempt(1); r == nil || w.st.Models["churn"].Version(1) != nil {
		t.Fatalf("after apply -wait=false with the job running: running %+v", w.st.Models["churn"].Running)
	}
	close(fb.hold)
	<-fb.jobs["1"].done
	_, res := w.apply(snap)
	if got := summaries(res); !strings.Contains(got, "trained v1") || len(w.st.Models["churn"].Running) != 0 || len(fb.jobs) != 1 {
		t.Fatalf("apply -wait=false once the job ended:\n%s\nrunning %+v, jobs %d", got, w.st.Models["churn"].Running, len(fb.jobs))
	}
}

// TestRerunAfterRename: after moved blocks renamed the model and its
// dataset (in state only, as planner's migrate does), a re-run on the
// batch executor and on the local one gives the step the names the
// version was trained with, and notes that they changed.
func TestRerunAfterRename(t *testing.T) {
	for _, remote := range []bool{false, true} {
		t.Run(map[bool]string{false: "local", true: "batch"}[remote], func(t *testing.T) {
			var w *applyWorld
			if remote {
				w, _ = newRemoteApplyWorld(t)
			} else {
				w = newApplyWorld(t)
			}
			// The trainer stamps the names it saw into its artifact.
			stamp := strings.Replace(trainerScript, `> "$MLFORM_OUTPUT_DIR/model.txt"`,
				`> "$MLFORM_OUTPUT_DIR/model.txt"; echo "$MLFORM_MODEL $(ls "$MLFORM_DATA_DIR")" >> "$MLFORM_OUTPUT_DIR/model.txt"`, 1)
			if err := os.WriteFile(filepath.Join(w.ws.BaseDir, "trainer", "run.sh"), []byte(stamp), 0o755); err != nil {
				t.Fatal(err)
			}
			snap := w.snapshot("a\nb\n", "0.8")
			if _, res := w.apply(snap); !strings.Contains(summaries(res), "trained v1") {
				t.Fatalf("apply:\n%s", summaries(res))
			}
			// moved { from = model.churn, to = model.attrition } and
			// moved { from = dataset.churn, to = dataset.events }.
			m := w.st.Models["churn"]
			delete(w.st.Models, "churn")
			m.Name = "attrition"
			w.st.Models["attrition"] = m
			for _, v := range m.Versions {
				v.RenameModel("churn", "attrition")
				v.RenameDataset("churn", "events")
			}
			d := w.st.Datasets["churn"]
			delete(w.st.Datasets, "churn")
			d.Name = "events"
			w.st.Datasets["events"] = d
			spec := w.specs.Models["churn"]
			delete(w.specs.Models, "churn")
			spec.Name, spec.Datasets = "attrition", []string{"events"}
			w.specs.Models["attrition"] = spec
			w.st.Normalize()
			if err := w.st.Validate(); err != nil {
				t.Fatal(err)
			}

			rep := w.rerun("model.attrition@1", false)
			v := m.Version(1)
			recorded, err := w.store.GetManifest(context.Background(), v.ArtifactsID)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Status != state.StatusSucceeded || len(rep.Files) != len(recorded.Files) {
				t.Fatalf("re-run after the rename: %+v", rep)
			}
			for _, f := range recorded.Files {
				if rep.Files[f.Path] != f.Hash {
					t.Errorf("%s: re-run %.12s, recorded %.12s", f.Path, rep.Files[f.Path], f.Hash)
				}
			}
			if want := "trained as model.churn with dataset.churn (renamed since)"; !slices.Contains(rep.Notes, want) {
				t.Errorf("notes %q, want %q", rep.Notes, want)
			}
		})
	}
}

// hasNote reports whether one of p's notes says text.
func hasNote(p *plans.Plan, text string) bool {
	for _, n := range p.Notes {
		if strings.Contains(n.Message, text) {
			return true
		}
	}
	return false
}
