package remote

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mlform/mlform/internal/envname"
	"github.com/mlform/mlform/internal/strictjson"
	"github.com/mlform/mlform/internal/textfmt"
	"github.com/mlform/mlform/providers/executor"
	"github.com/mlform/mlform/state"
)

// Format is the protocol version written in every spec and result; a
// runner refuses a spec of another format (the binary on the nodes must
// be the same mlform as the controller's).
const Format = 1

// Limits on what a spec or result may hold: far above any real step,
// low enough that a hostile object cannot exhaust memory.
const (
	// MaxObjectSize bounds an encoded spec or result.
	MaxObjectSize = 1 << 20
	maxArgs       = 4096
	maxArgLen     = 64 << 10
	maxEntries    = 1024
	maxText       = 8 << 10
)

const (
	specKind   = "mlform-step-spec"
	resultKind = "mlform-step-result"
)

// Input names one manifest in one store.
type Input struct {
	// Store is the storage block's name in the workspace.
	Store string `json:"store"`
	// ID is the manifest id.
	ID string `json:"id"`
}

// Spec is one step to run remotely. It holds ids and names only: no
// value of an environment variable (they may be secrets) and no store
// URL (it may carry credentials); Job hands those to the executor, which
// passes them in the job's environment.
type Spec struct {
	Model   string `json:"model"`
	Version int    `json:"version"`
	// Step is executor.StepTrain or StepEvaluate.
	Step string `json:"step"`
	// Command is the step's argv, run in the code directory.
	Command []string `json:"command"`
	// Timeout bounds the command (0: none); the runner enforces it too.
	Timeout time.Duration `json:"timeout"`
	// Datasets maps dataset name to its snapshot.
	Datasets map[string]Input `json:"datasets"`
	// Code is the code archive materialised as the working directory
	// (nil: an empty working directory).
	Code *Input `json:"code,omitempty"`
	// ModelArtifacts is the evaluated version's artifacts (evaluate only).
	ModelArtifacts *Input `json:"model_artifacts,omitempty"`
	// Params is the object id of the params JSON (in Store).
	Params string `json:"params"`
	// Env lists the environment block's variable names: the runner passes
	// each from its own environment to the command.
	Env []string `json:"env"`
	// Store is where the spec lives and the outputs, logs and result go.
	Store string `json:"store"`
	// Nonce makes two submissions of the same step distinct objects.
	Nonce string `json:"nonce"`
}

type specDoc struct {
	docHeader
	Spec
}

// EncodeSpec validates s and returns its canonical JSON.
func EncodeSpec(s *Spec) ([]byte, error) {
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("encode step spec: %w", err)
	}
	cp := *s
	cp.Env = slices.Sorted(slices.Values(s.Env))
	return encode(specDoc{docHeader{specKind, Format}, cp})
}

// DecodeSpec parses and validates a spec read from a store.
func DecodeSpec(b []byte) (*Spec, error) {
	var doc specDoc
	if err := decodeDoc(b, "step spec", specKind, &doc, &doc.docHeader, &doc.Spec); err != nil {
		return nil, err
	}
	return &doc.Spec, nil
}

// Validate reports what is wrong with a spec.
func (s *Spec) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if !state.IsName(s.Model) {
		bad("model %q is not a name", clip(s.Model))
	}
	if s.Version < 1 {
		bad("version %d is not positive", s.Version)
	}
	if s.Step != executor.StepTrain && s.Step != executor.StepEvaluate {
		bad("step %q is not train or evaluate", clip(s.Step))
	}
	switch {
	case len(s.Command) == 0 || s.Command[0] == "":
		bad("command is empty")
	case len(s.Command) > maxArgs:
		bad("command has %d arguments, more than %d", len(s.Command), maxArgs)
	}
	for i, a := range s.Command {
		if len(a) > maxArgLen || strings.IndexByte(a, 0) >= 0 || !utf8.ValidString(a) {
			bad("command argument %d is too long, not UTF-8 or contains NUL", i)
		}
	}
	if s.Timeout < 0 {
		bad("timeout %s is negative", s.Timeout)
	}
	if len(s.Datasets) > maxEntries || len(s.Env) > maxEntries {
		bad("more than %d datasets or environment variables", maxEntries)
	}
	for _, name := range slices.Sorted(maps.Keys(s.Datasets)) {
		if !state.IsName(name) {
			bad("dataset name %q is not a name", clip(name))
			continue
		}
		if err := s.Datasets[name].validate(); err != nil {
			bad("dataset %s: %v", name, err)
		}
	}
	for _, in := range []struct {
		what string
		in   *Input
	}{{"code", s.Code}, {"model artifacts", s.ModelArtifacts}} {
		if in.in != nil {
			if err := in.in.validate(); err != nil {
				bad("%s: %v", in.what, err)
			}
		}
	}
	if (s.ModelArtifacts != nil) != (s.Step == executor.StepEvaluate) {
		bad("model artifacts are given for evaluate steps, and only for them")
	}
	if !state.IsID(s.Params) {
		bad("params %q is not a content id", clip(s.Params))
	}
	seen := map[string]bool{}
	for _, k := range s.Env {
		switch {
		case !envname.Valid(k):
			bad("environment variable name %q is not valid", clip(k))
		case strings.HasPrefix(k, "MLFORM_"):
			bad("environment variable %s: MLFORM_* names belong to the training contract", k)
		case seen[k]:
			bad("environment variable %s is listed twice", k)
		}
		seen[k] = true
	}
	if !state.IsName(s.Store) {
		bad("store %q is not a storage name", clip(s.Store))
	}
	if s.Nonce == "" || len(s.Nonce) > 64 || !isPlain(s.Nonce) {
		bad("nonce %q must be 1 to 64 letters, digits or dashes", clip(s.Nonce))
	}
	return errors.Join(errs...)
}

func (in Input) validate() error {
	if !state.IsName(in.Store) {
		return fmt.Errorf("store %q is not a storage name", clip(in.Store))
	}
	if !state.IsID(in.ID) {
		return fmt.Errorf("id %q is not a content id", clip(in.ID))
	}
	return nil
}

func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '-' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

func encode(v any) ([]byte, error) {
	b, err := textfmt.MarshalLine(v)
	if err != nil {
		return nil, err
	}
	if len(b) > MaxObjectSize {
		return nil, fmt.Errorf("encoded object is %d bytes, more than %d", len(b), MaxObjectSize)
	}
	return b, nil
}

// docHeader opens every protocol document: what it is and in which
// format, so a foreign object or one from another mlform version is
// refused before its body is trusted.
type docHeader struct {
	Kind   string `json:"kind"`
	Format int    `json:"format"`
}

// decodeDoc decodes b, the document what, into doc (a specDoc or
// resultDoc; h and body point at its header and body) and checks that it
// is of kind and this Format and that its body is valid.
func decodeDoc(b []byte, what, kind string, doc any, h *docHeader, body interface{ Validate() error }) error {
	if err := strictjson.Decode(b, MaxObjectSize, doc, what); err != nil {
		return err
	}
	if h.Kind != kind {
		return fmt.Errorf("not an mlform %s (kind %q)", what, clip(h.Kind))
	}
	if h.Format != Format {
		return fmt.Errorf("%s format %d is not supported by this mlform (it reads format %d): run the same mlform version on the nodes", what, h.Format, Format)
	}
	if err := body.Validate(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// clip keeps error messages short when a value is huge.
func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}
