package step

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/mlform/mlform/internal/tempdir"
	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/planner/publish"
	"github.com/mlform/mlform/providers/executor"
	"github.com/mlform/mlform/providers/storage"
	"github.com/mlform/mlform/providers/storage/manifest"
)

// Output is what a step left behind; Close removes it.
type Output struct {
	Result executor.Result
	// OutputDir holds the artifacts and metrics.json.
	OutputDir string
	// StdoutPath and StderrPath are the captured logs.
	StdoutPath, StderrPath string
	tmp                    string
}

// newOutput is the output of a step running in tmp.
func newOutput(tmp string) *Output {
	return &Output{tmp: tmp, OutputDir: filepath.Join(tmp, "output"),
		StdoutPath: filepath.Join(tmp, "stdout.log"), StderrPath: filepath.Join(tmp, "stderr.log")}
}

// Close removes the step's temporary directory.
func (o *Output) Close() error { return tempdir.Remove(o.tmp) }

// ReadMetrics reads the step's metrics.json. Errors name it as
// MLFORM_OUTPUT_DIR/metrics.json, not by the temporary directory the
// error outlives, and have secrets redacted (a metric name it quotes
// comes from the trainer; the error is recorded with the attempt).
func ReadMetrics(out *Output, secrets []string) (map[string]float64, error) {
	m, err := executor.ReadMetrics(out.OutputDir)
	if err != nil {
		msg := strings.ReplaceAll(err.Error(), out.OutputDir+string(filepath.Separator), "MLFORM_OUTPUT_DIR/")
		return nil, errors.New(engine.RedactString(msg, secrets))
	}
	red, err := engine.RedactMetricNames(m, secrets)
	if err != nil || len(red) == 0 || reflect.DeepEqual(red, m) {
		return red, err
	}
	// The artifacts are stored from the output directory: their
	// metrics.json must not keep the names shown redacted everywhere else.
	if err := writeMetrics(filepath.Join(out.OutputDir, executor.MetricsFile), red); err != nil {
		return nil, err
	}
	return red, nil
}

// writeMetrics replaces a step's metrics.json with m (names redacted).
func writeMetrics(path string, m map[string]float64) error {
	b, err := json.Marshal(m) // keys sorted
	if err != nil {
		return fmt.Errorf("MLFORM_OUTPUT_DIR/metrics.json: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("MLFORM_OUTPUT_DIR/metrics.json: %w", err)
	}
	return nil
}

// PutTree stores every regular file under dir as a manifest of kind and
// returns its id. Symlinks and other special files are refused: a step
// could point one anywhere.
func PutTree(ctx context.Context, store *storage.Store, dir, kind string) (string, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return "", err
	}
	defer root.Close()
	m := &manifest.Manifest{Kind: kind, Files: []manifest.File{}}
	err = fs.WalkDir(root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s: not a regular file (%s); outputs must be plain files", p, d.Type())
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		f, err := root.Open(p)
		if err != nil {
			return err
		}
		sf, err := store.PutFile(ctx, f)
		f.Close()
		if err != nil {
			return fmt.Errorf("store %s: %w", p, err)
		}
		sf.Path, sf.Mode = p, uint32(info.Mode().Perm())
		m.Files = append(m.Files, sf)
		return nil
	})
	if err != nil {
		return "", err
	}
	if err := store.Flush(ctx); err != nil {
		return "", fmt.Errorf("flush store: %w", err)
	}
	return store.PutManifest(ctx, m)
}

// PutLogs stores a step's stdout and stderr as a "logs" manifest.
func PutLogs(ctx context.Context, store *storage.Store, out *Output) (string, error) {
	m := &manifest.Manifest{Kind: "logs", Files: []manifest.File{}}
	for _, p := range []string{out.StdoutPath, out.StderrPath} {
		f, err := os.Open(p)
		if err != nil {
			if os.IsNotExist(err) {
				continue
			}
			return "", err
		}
		sf, err := store.PutFile(ctx, f)
		f.Close()
		if err != nil {
			return "", fmt.Errorf("store logs: %w", err)
		}
		sf.Path, sf.Mode = filepath.Base(p), 0o644
		m.Files = append(m.Files, sf)
	}
	if err := store.Flush(ctx); err != nil {
		return "", fmt.Errorf("flush store: %w", err)
	}
	return store.PutManifest(ctx, m)
}

// CheckOutputNames refuses train outputs under names mlform itself
// writes where it publishes (publish.ReservedOutput): published, such a file
// would replace the publication's manifest (moving the alias and then
// failing every later publish) or be swept as a temporary. Found when the
// step ends, it fails the attempt, so the version is never recorded as
// succeeded and no alias moves.
func CheckOutputNames(outputDir string) error {
	root, err := os.OpenRoot(outputDir)
	if err != nil {
		return err
	}
	defer root.Close()
	var errs []error
	err = fs.WalkDir(root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == "." {
			return err
		}
		if why := publish.ReservedOutput(p); why != "" {
			errs = append(errs, fmt.Errorf("MLFORM_OUTPUT_DIR/%s: reserved output name (%s); rename it in the train command", p, why))
			if d.IsDir() {
				return fs.SkipDir
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return errors.Join(errs...)
}

// StoredMetrics checks a remote step's stored outputs as a local step's
// are (metrics.json strict; for train, no reserved name) and returns the
// metrics.
func StoredMetrics(ctx context.Context, store *storage.Store, artifactsID string, secrets []string, train bool) (map[string]float64, error) {
	m, err := store.GetManifest(ctx, artifactsID)
	if err != nil {
		return nil, fmt.Errorf("the step's artifacts: %w", err)
	}
	var metrics *manifest.File
	for i, f := range m.Files {
		if why := publish.ReservedOutput(f.Path); train && why != "" {
			return nil, fmt.Errorf("MLFORM_OUTPUT_DIR/%s: reserved output name (%s); rename it in the train command", engine.RedactString(f.Path, secrets), why)
		}
		if f.Path == executor.MetricsFile {
			metrics = &m.Files[i]
		}
	}
	if metrics == nil {
		return nil, fmt.Errorf("MLFORM_OUTPUT_DIR/%s: missing: the train command must write it", executor.MetricsFile)
	}
	if metrics.Size > executor.MaxMetricsSize {
		return nil, fmt.Errorf("MLFORM_OUTPUT_DIR/%s: larger than %d bytes", executor.MetricsFile, executor.MaxMetricsSize)
	}
	r, err := store.OpenFile(ctx, *metrics)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	b, err := io.ReadAll(io.LimitReader(r, executor.MaxMetricsSize+1))
	if err != nil {
		return nil, err
	}
	got, err := executor.ParseMetrics(b)
	if err != nil {
		return nil, fmt.Errorf("MLFORM_OUTPUT_DIR/%s: %s", executor.MetricsFile, engine.RedactString(err.Error(), secrets))
	}
	return engine.RedactMetricNames(got, secrets)
}
