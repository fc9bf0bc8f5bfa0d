package provenance

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/mlform/mlform/config"
	record "github.com/mlform/mlform/internal/provenance"
	"github.com/mlform/mlform/internal/readfile"
	"github.com/mlform/mlform/planner/codehash"
	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/planner/policy"
	"github.com/mlform/mlform/planner/step"
	"github.com/mlform/mlform/providers/executor"
	"github.com/mlform/mlform/providers/storage"
	"github.com/mlform/mlform/state"
)

// captureTimeout bounds one capture command.
const captureTimeout = time.Minute

// Source is what a version's provenance is taken from: its model's
// environment, capture commands and model card (a path under the
// workspace), and the texts to redact from what is recorded.
type Source struct {
	Model       string
	Environment policy.Environment
	Capture     []string
	Card        string
	Secrets     []string
}

// Record stores the environment record and the model card of v and sets
// their ids. A capture command that fails is recorded with its
// exit code and output; a model card that cannot be read fails the
// attempt (the configuration names it, so its absence is a mistake).
func Record(ctx context.Context, ws *engine.Workspace, spec Source, store *storage.Store, v *state.Version) error {
	rec := environmentRecord(ctx, ws, spec)
	b, err := record.Encode(rec)
	if err != nil {
		return err
	}
	if v.EnvironmentID, err = store.PutObject(ctx, b); err != nil {
		return fmt.Errorf("store the environment record: %w", err)
	}
	if spec.Card == "" {
		return nil
	}
	card, err := ReadCard(ws, spec)
	if err != nil {
		return err
	}
	if v.CardID, err = store.PutObject(ctx, card); err != nil {
		return fmt.Errorf("store the model card: %w", err)
	}
	return nil
}

// ReadCard reads the model card spec names (nil when it names none); an
// error says "model card: ...". A local train checks it before it runs,
// as a batch job's submission does, so a card that is not there fails the
// attempt before hours of training, not after.
func ReadCard(ws *engine.Workspace, spec Source) ([]byte, error) {
	if spec.Card == "" {
		return nil, nil
	}
	root, err := os.OpenRoot(ws.BaseDir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	card, err := readfile.ReadIn(root, filepath.FromSlash(spec.Card), spec.Card, record.MaxText)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("model card: %s does not exist in %s", spec.Card, ws.BaseDir)
	}
	if err != nil {
		return nil, fmt.Errorf("model card: %w", err)
	}
	return card, nil
}

// environmentRecord describes the model's environment now: executor and
// image, each lock file's content, each capture command's output.
func environmentRecord(ctx context.Context, ws *engine.Workspace, spec Source) *record.Environment {
	e := spec.Environment
	rec := &record.Environment{FormatVersion: record.FormatVersion, Name: e.Name, Executor: e.Executor, Image: e.Image}
	if len(e.Files) > 0 {
		paths, err := codehash.Match(ws.BaseDir, e.Files)
		if err != nil {
			rec.Files = append(rec.Files, record.File{Path: fmt.Sprint(e.Files), Error: err.Error()})
		}
		root, rerr := os.OpenRoot(ws.BaseDir)
		for _, p := range paths {
			f := record.File{Path: p}
			var b []byte
			if rerr == nil {
				b, err = readfile.ReadIn(root, filepath.FromSlash(p), p, record.MaxRecord)
			} else {
				err = rerr
			}
			if err != nil {
				f.Error = err.Error()
			} else {
				f.Content, f.Truncated = record.Cut(engine.RedactString(string(b), spec.Secrets))
			}
			rec.Files = append(rec.Files, f)
		}
		if root != nil {
			root.Close()
		}
	}
	for _, c := range spec.Capture {
		rec.Captures = append(rec.Captures, runCapture(ctx, ws, spec, c))
	}
	return rec
}

// runCapture runs one capture command with `sh -c` in the working
// directory through the local executor (on the machine running mlform),
// with the environment's env, and returns what it printed, secrets
// redacted.
func runCapture(ctx context.Context, ws *engine.Workspace, spec Source, command string) record.Capture {
	c := record.Capture{Command: command, ExitCode: -1}
	ex, err := step.OpenExecutor(ws, config.DefaultExecutor, nil)
	if err != nil {
		c.Error = err.Error()
		return c
	}
	var out bytes.Buffer
	w := &limitedBuffer{buf: &out, max: record.MaxText + 1}
	env := map[string]string{}
	for k, v := range spec.Environment.Env {
		env[k] = v
	}
	res, err := ex.Run(ctx, executor.Task{Model: spec.Model, Step: executor.StepTrain, Command: []string{"sh", "-c", command},
		Dir: ws.BaseDir, Env: env, Timeout: captureTimeout, Stdout: w, Stderr: w})
	if err != nil {
		c.Error = engine.RedactString(err.Error(), spec.Secrets)
		return c
	}
	c.ExitCode = res.ExitCode
	if res.Status != state.StatusSucceeded && res.Reason != "" {
		c.Error = engine.RedactString(res.Reason, spec.Secrets)
	}
	w.mu.Lock()
	cut := w.cut
	w.mu.Unlock()
	raw := out.String()
	if cut {
		// The output was cut mid-stream, so its last bytes may be the
		// start of a secret, which redaction cannot recognise: drop as
		// many as a secret could have there.
		raw = raw[:len(raw)-min(len(raw), partLen(spec.Secrets))]
	}
	c.Output, c.Truncated = record.Cut(engine.RedactString(raw, spec.Secrets))
	c.Truncated = c.Truncated || cut
	return c
}

// partLen is the longest proper prefix of a secret: how many bytes at the
// end of a cut text may hold part of one.
func partLen(secrets []string) int {
	n := 0
	for _, s := range secrets {
		n = max(n, len(s)-1)
	}
	return n
}

// limitedBuffer keeps the first max bytes written to it (both output
// streams, in order, from any goroutine) and drops the rest.
type limitedBuffer struct {
	mu  sync.Mutex
	buf *bytes.Buffer
	max int
	cut bool
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if room := l.max - l.buf.Len(); room < len(p) {
		l.cut = true
		if room > 0 {
			l.buf.Write(p[:room])
		}
		return len(p), nil
	}
	return l.buf.Write(p)
}

// RecordImageDigest stores the environment record id with the image
// digest the executor resolved (a batch job's image, known only once the
// cluster ran it) and returns the new record's id (id itself when it has
// that digest already).
func RecordImageDigest(ctx context.Context, store *storage.Store, id, digest string) (string, error) {
	if id == "" {
		return "", errors.New("the version has no environment record")
	}
	b, err := store.GetObject(ctx, id)
	if err != nil {
		return "", err
	}
	rec, err := record.Decode(b)
	if err != nil {
		return "", err
	}
	if rec.ImageDigest == digest {
		return id, nil
	}
	rec.ImageDigest = digest
	if b, err = record.Encode(rec); err != nil {
		return "", err
	}
	return store.PutObject(ctx, b)
}
