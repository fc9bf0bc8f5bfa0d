package engine

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"

	"github.com/zclconf/go-cty/cty"

	"github.com/mlform/mlform/config"
	"github.com/mlform/mlform/internal/bloburl"
)

// minSecretLen is the shortest sensitive text redacted from step output:
// shorter strings would garble unrelated words (config's diagnostics use
// the same floor).
const minSecretLen = 3

// MaxPendingOutput bounds how much of a line without a newline a step's
// output writers hold before passing it on: a trainer printing a progress
// bar with \r, or binary noise, must not grow memory without bound.
const MaxPendingOutput = 64 << 10

// SensitiveTexts lists the text of every string and number inside the
// sensitive variables' values, longest first, so a trainer that prints a
// secret it was given through an environment's env (or that a gate reads)
// does not put it on the terminal or into the stored logs.
func SensitiveTexts(vars map[string]*config.Variable) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range vars {
		if v == nil || !v.Sensitive || v.Value == cty.NilVal {
			continue
		}
		val, _ := v.Value.UnmarkDeep()
		_ = cty.Walk(val, func(_ cty.Path, el cty.Value) (bool, error) {
			if el.IsNull() || !el.IsKnown() {
				return true, nil
			}
			var s string
			switch el.Type() {
			case cty.String:
				s = el.AsString()
			case cty.Number:
				s = el.AsBigFloat().Text('f', -1)
			default:
				return true, nil
			}
			// Output is redacted line by line, so a secret of several
			// lines (a PEM key) is redacted a line at a time.
			for _, part := range append(strings.Split(s, "\n"), s) {
				part = strings.TrimSuffix(part, "\r")
				if len(part) >= minSecretLen && !seen[part] {
					seen[part] = true
					out = append(out, part)
				}
			}
			return true, nil
		})
	}
	sort.Slice(out, func(i, j int) bool {
		if len(out[i]) != len(out[j]) {
			return len(out[i]) > len(out[j])
		}
		return out[i] < out[j]
	})
	return out
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

// redactWriter replaces secrets in a stream with config's placeholder
// before passing it on. It works on whole lines, so a secret split across
// two writes is still found; a line longer than maxPendingOutput is passed
// on in pieces, holding back enough bytes that no secret straddles a cut.
// Close flushes the rest.
type redactWriter struct {
	w       io.Writer
	secrets [][]byte
	longest int
	buf     []byte
}

// NewRedactWriter returns w itself when there is nothing to redact.
func NewRedactWriter(w io.Writer, secrets []string) io.Writer {
	if len(secrets) == 0 {
		return w
	}
	r := &redactWriter{w: w}
	for _, s := range secrets {
		r.secrets = append(r.secrets, []byte(s))
		r.longest = max(r.longest, len(s))
	}
	return r
}

func (r *redactWriter) Write(b []byte) (int, error) {
	r.buf = append(r.buf, b...)
	if i := bytes.LastIndexByte(r.buf, '\n'); i >= 0 {
		if err := r.emit(r.buf[:i+1]); err != nil {
			return 0, err
		}
		r.buf = append(r.buf[:0], r.buf[i+1:]...)
	}
	if len(r.buf) > MaxPendingOutput {
		red := r.redact(r.buf)
		cut := len(red) - (r.longest - 1)
		if _, err := r.w.Write(red[:cut]); err != nil {
			return 0, err
		}
		r.buf = append(r.buf[:0], red[cut:]...)
	}
	return len(b), nil
}

// Close writes what is left of the last line.
func (r *redactWriter) Close() error {
	if len(r.buf) == 0 {
		return nil
	}
	err := r.emit(r.buf)
	r.buf = r.buf[:0]
	return err
}

func (r *redactWriter) emit(b []byte) error {
	_, err := r.w.Write(r.redact(b))
	return err
}

// redact returns b with every secret replaced; it may return b itself.
func (r *redactWriter) redact(b []byte) []byte {
	out := b
	for _, s := range r.secrets {
		if bytes.Contains(out, s) {
			out = bytes.ReplaceAll(out, s, []byte(config.SensitivePlaceholder))
		}
	}
	return out
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
		if len(s) >= minSecretLen {
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
		if len(s) >= minSecretLen {
			msg = strings.ReplaceAll(msg, s, config.SensitivePlaceholder)
		}
	}
	return &redactedError{msg: msg, err: err}
}

// redactedError shows a redacted message and unwraps to the original.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
