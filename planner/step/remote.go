package step

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/mlform/mlform/internal/strictjson"
	"github.com/mlform/mlform/internal/tempdir"
	"github.com/mlform/mlform/internal/termtext"
	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/providers/executor"
	"github.com/mlform/mlform/providers/executor/local"
	"github.com/mlform/mlform/providers/executor/remote"
	"github.com/mlform/mlform/providers/storage"
	"github.com/mlform/mlform/providers/storage/manifest"
	"github.com/mlform/mlform/state"
)

// RemoteOptions configure RunRemote.
type RemoteOptions struct {
	// Getenv reads the job's environment (stores, redactions, the
	// environment block's values); nil means os.Getenv.
	Getenv func(string) string
	// Stdout and Stderr receive the command's output (redacted), which
	// the executor streams back to the controlling apply.
	Stdout, Stderr io.Writer
	// Supervisor is the mlform binary that supervises the command (see
	// providers/executor/local): the command dies with the runner even
	// when the cluster kills it by SIGKILL. "" runs it unsupervised.
	Supervisor string
	// Now stamps the temporary directory; zero means time.Now.
	Now time.Time
}

// ErrNoResult is returned by RunRemote when the step's result could
// not be written: the controller then sees only the executor's verdict.
var ErrNoResult = errors.New("no step result written")

// RunRemote is `mlform step run STORE SPECID`, the remote half of the
// remote-step protocol (providers/executor/remote). It reads the spec
// from STORE, fetches its inputs by id into a fresh temporary directory
// on this machine (snapshots read-only, the code archive as the working
// directory, the params file), runs the command under the unchanged
// training contract, stores the logs and (train that succeeded) the
// outputs, and writes the result object and its root. The returned
// result is the step's; an error means no result could be written.
func RunRemote(ctx context.Context, storeName, specID string, opts RemoteOptions) (*remote.Result, error) {
	getenv := opts.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	if !state.IsID(specID) {
		return nil, fmt.Errorf("step spec id %q is not a content id", specID)
	}
	// A runner killed outright (scancel -s KILL, a lost node, the OOM
	// killer) leaves its temporary directory: whole snapshots and outputs.
	// No apply takes the state lock (which sweeps) on a cluster node, so
	// each runner removes those of gone runners on its host.
	_, _ = tempdir.Sweep()
	urls, err := remote.ParseStores(getenv(remote.EnvStores))
	if err != nil {
		return nil, err
	}
	redact, err := remote.ParseRedact(getenv(remote.EnvRedact))
	if err != nil {
		return nil, err
	}
	// Values the executor set from secrets mlform never saw (Kubernetes'
	// secret_env) are redacted as the environment's sensitive values are.
	redact = append(redact, remote.PassedValues(os.Environ())...)
	rs := &remoteStores{urls: urls, open: map[string]*storage.Store{}}
	defer rs.close()
	store, err := rs.get(ctx, storeName)
	if err != nil {
		return nil, err
	}
	raw, err := store.GetObject(ctx, specID)
	if err != nil {
		return nil, fmt.Errorf("read step spec %s: %w", specID, err)
	}
	spec, err := remote.DecodeSpec(raw)
	if err != nil {
		return nil, fmt.Errorf("step spec %s: %w", specID, err)
	}
	if spec.Store != storeName {
		return nil, fmt.Errorf("step spec %s names store %q, not %q", specID, spec.Store, storeName)
	}
	res := &remote.Result{SpecID: specID, Status: state.StatusFailed, ExitCode: -1, StartedAt: time.Now().UTC()}
	res.Host, _ = os.Hostname()
	out, runErr := runRemote(ctx, rs, spec, redact, getenv, opts)
	if out != nil {
		defer out.Close()
		r := out.Result
		if !r.StartedAt.IsZero() {
			res.StartedAt, res.EndedAt, res.ExitCode, res.Status = r.StartedAt.UTC(), r.EndedAt.UTC(), r.ExitCode, r.Status
		}
		bg := context.WithoutCancel(ctx)
		if id, err := PutLogs(bg, store, out); err == nil {
			res.LogsID = id
		} else {
			runErr = errors.Join(runErr, fmt.Errorf("store logs: %w", err))
		}
		if runErr == nil && res.Status == state.StatusSucceeded {
			if id, err := storeRemoteOutputs(bg, store, out, spec.Step, redact); err != nil {
				res.Status, runErr = state.StatusFailed, err
			} else {
				res.ArtifactsID = id
			}
		}
	}
	if res.EndedAt.Before(res.StartedAt) {
		res.EndedAt = time.Now().UTC()
	}
	if runErr != nil {
		res.Status = state.StatusFailed
		// The result must encode (remote.Result.Validate): the error may
		// quote the command's first word or a name in control characters
		// or long multi-byte text, so it is escaped, then cut on a rune
		// boundary.
		res.Error = termtext.Truncate(termtext.Printable(engine.RedactString(runErr.Error(), redact)), 4000)
	}
	if res.Status != state.StatusSucceeded && res.ExitCode == 0 {
		res.ExitCode = 1
	}
	if err := putResult(context.WithoutCancel(ctx), store, res); err != nil {
		return res, fmt.Errorf("%w: %v", ErrNoResult, err)
	}
	return res, nil
}

// storeRemoteOutputs checks a succeeded step's outputs as a local step's
// are (metrics.json well formed, no reserved name) and stores them.
func storeRemoteOutputs(ctx context.Context, store *storage.Store, out *Output, step string, redact []string) (string, error) {
	if _, err := ReadMetrics(out, redact); err != nil {
		return "", err
	}
	if step == executor.StepTrain {
		if err := CheckOutputNames(out.OutputDir); err != nil {
			return "", errors.New(engine.RedactString(err.Error(), redact))
		}
	}
	id, err := PutTree(ctx, store, out.OutputDir, manifest.KindArtifacts)
	if err != nil {
		return "", fmt.Errorf("store artifacts: %w", err)
	}
	return id, nil
}

// putResult writes the result object and the root that keeps it (and the
// manifests it names) from gc and lets the controller find it.
func putResult(ctx context.Context, store *storage.Store, res *remote.Result) error {
	b, err := remote.EncodeResult(res)
	if err != nil {
		return err
	}
	id, err := store.PutObject(ctx, b)
	if err != nil {
		return fmt.Errorf("store step result: %w", err)
	}
	ids := []string{id}
	for _, m := range []string{res.LogsID, res.ArtifactsID} {
		if m != "" {
			ids = append(ids, m)
		}
	}
	host, _ := os.Hostname()
	return store.PutRoot(ctx, &storage.Root{Lineage: remote.ResultRoot(res.SpecID), Backend: "mlform step run " + res.SpecID[:12],
		Host: host, Written: time.Now().UTC(), IDs: ids})
}

// runRemote materialises the spec's inputs and runs its command.
func runRemote(ctx context.Context, rs *remoteStores, spec *remote.Spec, redact []string, getenv func(string) string, opts RemoteOptions) (*Output, error) {
	tmp, err := tempdir.New(fmt.Sprintf("step-%s-v%d-%s", spec.Model, spec.Version, spec.Step), opts.Now)
	if err != nil {
		return nil, err
	}
	out := newOutput(tmp)
	c := executor.Contract{DataDir: filepath.Join(tmp, "data"), Datasets: map[string]string{}, OutputDir: out.OutputDir,
		ParamsFile: filepath.Join(tmp, "params.json"), Model: spec.Model, Version: spec.Version}
	if err := os.MkdirAll(c.DataDir, 0o755); err != nil {
		return out, err
	}
	for _, ds := range slices.Sorted(maps.Keys(spec.Datasets)) {
		in := spec.Datasets[ds]
		dir := filepath.Join(c.DataDir, executor.DataDirName(ds))
		c.Datasets[ds] = dir
		if err := rs.materialize(ctx, in, dir); err != nil {
			return out, fmt.Errorf("fetch dataset.%s snapshot %s: %w", ds, in.ID[:12], err)
		}
	}
	if err := executor.MakeReadOnly(c.DataDir); err != nil {
		return out, err
	}
	if spec.ModelArtifacts != nil {
		c.ModelDir = filepath.Join(tmp, "model")
		if err := rs.materialize(ctx, *spec.ModelArtifacts, c.ModelDir); err != nil {
			return out, fmt.Errorf("fetch the artifacts of v%d: %w", spec.Version, err)
		}
		if err := executor.MakeReadOnly(c.ModelDir); err != nil {
			return out, err
		}
	}
	codeDir := filepath.Join(tmp, "code")
	if spec.Code != nil {
		if err := rs.materialize(ctx, *spec.Code, codeDir); err != nil {
			return out, fmt.Errorf("fetch the code archive %s: %w", spec.Code.ID[:12], err)
		}
	} else if err := os.Mkdir(codeDir, 0o755); err != nil {
		return out, err
	}
	store, err := rs.get(ctx, spec.Store)
	if err != nil {
		return out, err
	}
	raw, err := store.GetObject(ctx, spec.Params)
	if err != nil {
		return out, fmt.Errorf("fetch params %s: %w", spec.Params[:12], err)
	}
	if c.Params, err = decodeParams(raw); err != nil {
		return out, fmt.Errorf("params %s: %w", spec.Params[:12], err)
	}
	if err := c.Prepare(); err != nil {
		return out, err
	}
	env := remote.SchedulerEnv(os.Environ())
	for _, k := range spec.Env {
		v, ok := lookupEnv(getenv, k)
		if !ok {
			return out, fmt.Errorf("environment variable %s (the environment block's env) did not reach the job: the executor must pass it", k)
		}
		env[k] = v
	}
	maps.Copy(env, c.Env()) // the contract wins
	var mu sync.Mutex       // the two streams share the job's output files on some executors
	cp, err := NewCapture(out, redact, lockedWriter(&mu, orDiscard(opts.Stdout)), lockedWriter(&mu, orDiscard(opts.Stderr)))
	if err != nil {
		return out, err
	}
	ex := local.New(local.Options{Supervisor: opts.Supervisor})
	task := executor.Task{Model: spec.Model, Version: spec.Version, Step: spec.Step, Command: spec.Command, Dir: codeDir,
		Env: env, Timeout: spec.Timeout, Stdout: cp.Stdout, Stderr: cp.Stderr}
	res, err := ex.Run(ctx, task)
	cp.Close()
	out.Result = res
	if err != nil {
		return out, fmt.Errorf("%s command could not start: %w", spec.Step, err)
	}
	return out, nil
}

// lookupEnv tells an unset variable from an empty one when getenv is
// os.Getenv; other getenv functions only know non-empty values.
func lookupEnv(getenv func(string) string, k string) (string, bool) {
	if v := getenv(k); v != "" {
		return v, true
	}
	return os.LookupEnv(k)
}

// decodeParams reads the params object the controller stored (numbers
// kept exact).
func decodeParams(b []byte) (map[string]any, error) {
	var m map[string]any
	if err := strictjson.Unmarshal(b, &m, strictjson.ExactNumbers); err != nil {
		return nil, err
	}
	if m == nil {
		m = map[string]any{}
	}
	return m, nil
}

// remoteStores opens the stores a spec names, once each, by the URLs the
// job was given.
type remoteStores struct {
	urls map[string]string
	open map[string]*storage.Store
}

func (r *remoteStores) get(ctx context.Context, name string) (*storage.Store, error) {
	if s := r.open[name]; s != nil {
		return s, nil
	}
	url, ok := r.urls[name]
	if !ok {
		return nil, fmt.Errorf("store %q: no URL in %s", name, remote.EnvStores)
	}
	// Writers hold a shared store lock, so gc (exclusive) waits until the
	// outputs and their root are written.
	s, err := storage.Open(ctx, url, storage.Options{SharedLock: &storage.LockOptions{Command: "step run"}})
	if err != nil {
		return nil, fmt.Errorf("open store %q: %w", name, err)
	}
	r.open[name] = s
	return s, nil
}

func (r *remoteStores) materialize(ctx context.Context, in remote.Input, dir string) error {
	s, err := r.get(ctx, in.Store)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return s.Materialize(ctx, in.ID, dir)
}

func (r *remoteStores) close() {
	for _, s := range r.open {
		s.Close()
	}
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

type lockedW struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedW) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

func lockedWriter(mu *sync.Mutex, w io.Writer) io.Writer { return lockedW{mu, w} }

// errNoResult is ReadResult's error when the step's runner stored no
// result: it never started (a job the cluster refused to create, an image
// that cannot be pulled) or was stopped before it ended. It is a
// storage.ErrNotFound, and its text speaks of the step, not of the store
// root the result would have been found through.
type errNoResult struct{}

func (errNoResult) Error() string {
	return "its runner stored no step result (it never started, or was stopped before it ended)"
}

func (errNoResult) Is(target error) bool { return target == storage.ErrNotFound }

// ReadResult finds the result of spec specID through its root. The error
// is a storage.ErrNotFound when the runner stored none.
func ReadResult(ctx context.Context, store *storage.Store, specID string) (*remote.Result, error) {
	root, err := store.GetRoot(ctx, remote.ResultRoot(specID))
	if errors.Is(err, storage.ErrNotFound) {
		return nil, errNoResult{}
	}
	if err != nil {
		return nil, err
	}
	for _, id := range root.IDs {
		b, err := store.GetObject(ctx, id)
		if err != nil {
			continue // a manifest the result names
		}
		r, err := remote.DecodeResult(b)
		if err != nil {
			return nil, fmt.Errorf("step result %s: %w", id[:12], err)
		}
		if r.SpecID != specID {
			return nil, fmt.Errorf("step result %s is for spec %s, not %s", id[:12], r.SpecID[:12], specID[:12])
		}
		return r, nil
	}
	return nil, fmt.Errorf("root %s lists no step result", remote.ResultRoot(specID))
}
