package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"

	"github.com/mlform/mlform/config"
	"github.com/mlform/mlform/config/vars"
	"github.com/mlform/mlform/internal/bloburl"
	"github.com/mlform/mlform/planner/redact"
)

// SensitiveTexts lists the text of every string and number inside the
// sensitive variables' values, longest first, so a trainer that prints a
// secret it was given through an environment's env (or that a gate reads)
// does not put it on the terminal or into the stored logs.
func SensitiveTexts(vs map[string]*config.Variable) []string {
	t := secretTexts{seen: map[string]bool{}}
	for _, s := range vars.SensitiveValueTexts(vs) {
		t.add(s)
	}
	return t.sorted()
}

// Secrets is SensitiveTexts plus every environment's env value derived
// from a sensitive variable (`T = upper(var.token)` holds no variable's
// text, yet the step is handed it and may print it), longest first.
func Secrets(cfg *config.Config) []string {
	t := secretTexts{seen: map[string]bool{}}
	for _, s := range SensitiveTexts(cfg.Variables) {
		t.add(s)
	}
	for _, e := range cfg.Environments {
		for _, s := range e.Secrets {
			t.add(s)
		}
	}
	return t.sorted()
}

// secretTexts collects the texts to redact, each once.
type secretTexts struct {
	seen map[string]bool
	out  []string
}

func (t *secretTexts) add(s string) {
	// Output is redacted line by line, so a secret of several lines (a PEM
	// key) is redacted a line at a time.
	for _, part := range append(strings.Split(s, "\n"), s) {
		part = strings.TrimSuffix(part, "\r")
		if len(part) >= redact.MinLen && !t.seen[part] {
			t.seen[part] = true
			t.out = append(t.out, part)
		}
	}
}

func (t *secretTexts) sorted() []string {
	sort.Slice(t.out, func(i, j int) bool {
		if len(t.out[i]) != len(t.out[j]) {
			return len(t.out[i]) > len(t.out[j])
		}
		return t.out[i] < t.out[j]
	})
	return t.out
}

// RedactMetricNames returns m with every secret in a metric name replaced,
// before the metrics are shown, recorded in state or compared: a name is
// chosen by the trainer, which may have been given a secret. Two names
// that become the same are refused rather than one silently dropped.
func RedactMetricNames(m map[string]float64, secrets []string) (map[string]float64, error) {
	if len(secrets) == 0 {
		return m, nil
	}
	out := make(map[string]float64, len(m))
	for name, v := range m {
		red := RedactString(name, secrets)
		if _, dup := out[red]; dup {
			return nil, fmt.Errorf("MLFORM_OUTPUT_DIR/metrics.json: two metric names are both %q once sensitive values are hidden", red)
		}
		out[red] = v
	}
	return out, nil
}

// RedactString replaces every secret in s with config's placeholder.
func RedactString(s string, secrets []string) string {
	for _, sec := range secrets {
		s = strings.ReplaceAll(s, sec, config.SensitivePlaceholder)
	}
	return s
}

// CacheSourceName is what the stat cache records for a dataset's source:
// the source itself, or a hash of it when it derives from a secret (the
// cache still notices a changed source).
func (spec DatasetSpec) CacheSourceName() string {
	if !spec.SourceSensitive {
		return ""
	}
	sum := sha256.Sum256([]byte("mlform dataset source\x00" + spec.Source))
	return "sensitive:" + hex.EncodeToString(sum[:])
}

// HideSecrets returns err with every secret replaced by config's
// placeholder in its message; errors.Is and As still see err.
func HideSecrets(err error, secrets []string) error {
	if err == nil || len(secrets) == 0 {
		return err
	}
	msg := err.Error()
	for _, s := range secrets {
		if len(s) >= redact.MinLen {
			msg = strings.ReplaceAll(msg, s, config.SensitivePlaceholder)
			msg = strings.ReplaceAll(msg, bloburl.Redact(s), config.SensitivePlaceholder)
		}
	}
	return &redactedError{msg: msg, err: err}
}

// HideSource returns err with a sensitive source (and every secret text)
// replaced by config's placeholder in its message; errors.Is and As still
// see err.
func (spec DatasetSpec) HideSource(err error) error {
	if err == nil || !spec.SourceSensitive {
		return err
	}
	msg := err.Error()
	for _, s := range append([]string{spec.Source, filepath.Clean(spec.Source)}, spec.Secrets...) {
		if len(s) >= redact.MinLen {
			msg = strings.ReplaceAll(msg, s, config.SensitivePlaceholder)
		}
	}
	return &redactedError{msg: msg, err: err}
}

// OpenError is the error of opening the dataset's source, with secrets
// hidden (HideSource); a local source that does not exist also says
// where the configuration sets it, since a mistyped path is the usual
// cause.
func (spec DatasetSpec) OpenError(err error) error {
	if errors.Is(err, fs.ErrNotExist) && spec.SourceAt != "" {
		err = fmt.Errorf("%w: create it, or correct source at %s", err, spec.SourceAt)
	}
	return spec.HideSource(err)
}

// redactedError shows a redacted message and unwraps to the original.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
