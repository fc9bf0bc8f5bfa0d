package remote

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mlform/mlform/state"
)

// Result is what a remote step reports when it is over: how the command
// ended and the manifests it stored. Metrics are not in it: the
// controller reads them from the artifacts' metrics.json, with the same
// checks as for a local step.
type Result struct {
	// SpecID is the spec the step ran.
	SpecID string `json:"spec_id"`
	// Status is a state.Status* value.
	Status string `json:"status"`
	// ExitCode is the command's (128+N for signal N, -1: never started).
	ExitCode  int       `json:"exit_code"`
	StartedAt time.Time `json:"started_at"`
	EndedAt   time.Time `json:"ended_at"`
	// Host is the machine the command ran on.
	Host string `json:"host"`
	// ArtifactsID is the output directory's manifest (train that
	// succeeded); LogsID the stdout/stderr manifest.
	ArtifactsID string `json:"artifacts_id,omitempty"`
	LogsID      string `json:"logs_id,omitempty"`
	// Error says why a step that did not succeed ended, when the exit
	// status does not (an input that could not be fetched, ...).
	Error string `json:"error,omitempty"`
}

type resultDoc struct {
	docHeader
	Result
}

// EncodeResult validates r and returns its JSON.
func EncodeResult(r *Result) ([]byte, error) {
	if err := r.Validate(); err != nil {
		return nil, fmt.Errorf("encode step result: %w", err)
	}
	return encode(resultDoc{docHeader{resultKind, Format}, *r})
}

// DecodeResult parses and validates a result read from a store.
func DecodeResult(b []byte) (*Result, error) {
	var doc resultDoc
	if err := decodeDoc(b, "step result", resultKind, &doc, &doc.docHeader, &doc.Result); err != nil {
		return nil, err
	}
	return &doc.Result, nil
}

var validStatus = map[string]bool{state.StatusSucceeded: true, state.StatusFailed: true,
	state.StatusTimedOut: true, state.StatusCancelled: true}

// Validate reports what is wrong with a result.
func (r *Result) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if !state.IsID(r.SpecID) {
		bad("spec id %q is not a content id", clip(r.SpecID))
	}
	if !validStatus[r.Status] {
		bad("status %q is not one of succeeded, failed, timed_out, cancelled", clip(r.Status))
	}
	if r.ExitCode < -1 || r.ExitCode > 255+128 {
		bad("exit code %d is out of range", r.ExitCode)
	}
	if r.EndedAt.Before(r.StartedAt) {
		bad("ended before it started")
	}
	for _, f := range []struct{ name, v string }{{"artifacts_id", r.ArtifactsID}, {"logs_id", r.LogsID}} {
		if f.v != "" && !state.IsID(f.v) {
			bad("%s %q is not a content id", f.name, clip(f.v))
		}
	}
	if r.Status == state.StatusSucceeded && (r.ArtifactsID == "" || r.ExitCode != 0) {
		bad("a succeeded step has artifacts and exit code 0")
	}
	for _, f := range []struct{ name, v string }{{"host", r.Host}, {"error", r.Error}} {
		if len(f.v) > maxText || !utf8.ValidString(f.v) || strings.ContainsFunc(f.v, isControlExceptNewline) {
			bad("%s is too long, not UTF-8 or contains control characters", f.name)
		}
	}
	if strings.ContainsAny(r.Host, "\n\t") {
		bad("host contains a line break or tab")
	}
	return errors.Join(errs...)
}

func isControlExceptNewline(c rune) bool {
	return (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f || (c >= 0x80 && c < 0xa0)
}

// ResultRoot is the store root ("step-" and the spec id's first 59
// characters) under which the runner lists its result object and the
// manifests it stored: it keeps them from gc until the controller records
// them (and forgets the root), and it is how the controller finds the
// result without knowing its id.
func ResultRoot(specID string) string {
	if len(specID) < 59 {
		return "step-" + specID
	}
	return "step-" + specID[:59]
}
