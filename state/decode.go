package state

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/mlform/mlform/internal/exactnum"
	"github.com/mlform/mlform/internal/hexid"
	"github.com/mlform/mlform/internal/strictjson"
	"github.com/mlform/mlform/internal/termtext"
)

// Problem classifies why a state document was refused.
type Problem string

// Problems Decode reports.
const (
	// ProblemTruncated: the document ends early (an interrupted copy, a full
	// disk, a partial download).
	ProblemTruncated Problem = "truncated"
	// ProblemCorrupt: the bytes are not what mlform wrote (checksum
	// mismatch, not JSON, hand-edited).
	ProblemCorrupt Problem = "corrupt"
	// ProblemFuture: written by a newer mlform with a format this build does
	// not know.
	ProblemFuture Problem = "future format"
	// ProblemInvalid: well-formed and intact, but its content breaks the
	// model's rules (bad names, ids, dangling references).
	ProblemInvalid Problem = "invalid"
)

// DecodeError says why a state document was refused. Manager adds where the
// document lives and how to recover from its backup.
type DecodeError struct {
	Problem Problem
	Detail  string
}

func (e *DecodeError) Error() string {
	switch e.Problem {
	case ProblemFuture:
		return e.Detail
	default:
		return fmt.Sprintf("state is %s: %s", e.Problem, e.Detail)
	}
}

// Decode parses and verifies a state document. It refuses a document from a
// newer format, one whose checksum does not match its content, a truncated
// one and one whose content is invalid (see Validate); the error is a
// *DecodeError. Anything read from a backend is untrusted: a decoded State
// has no nil maps, slices or entries and only valid names and ids.
func Decode(b []byte) (*State, error) {
	return decode(b, true)
}

// DecodeUnsigned is Decode for a document a person produced or edited: a
// checksum member that is empty is accepted as "not signed"; a non-empty
// one must still match. `mlform state push` uses it so a hand-repaired
// state can be pushed by blanking its checksum.
func DecodeUnsigned(b []byte) (*State, error) {
	// Editors on some systems start a saved file with a byte order mark.
	return decode(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")), false)
}

func decode(b []byte, requireChecksum bool) (*State, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, &DecodeError{ProblemTruncated, "the document is empty"}
	}
	// A document that is not JSON is reported as such (classifyInvalid)
	// whichever step below refuses it. Checking that first would scan a
	// large state once more on every read: it is checked on the way out
	// of a refusal instead, and the decoder checks the rest.
	refuse := func(err error) error {
		if !json.Valid(b) {
			return classifyInvalid(b)
		}
		return err
	}
	format, err := peekFormat(b)
	if err != nil {
		return nil, refuse(err)
	}
	switch {
	case format > FormatVersion:
		return nil, refuse(&DecodeError{ProblemFuture, fmt.Sprintf("state was written by a newer mlform (format %d > %d); upgrade mlform", format, FormatVersion)})
	case format < 1:
		return nil, refuse(&DecodeError{ProblemCorrupt, fmt.Sprintf("format_version %d is not a valid format", format)})
	}
	if err := verifyChecksum(b, requireChecksum); err != nil {
		return nil, refuse(err)
	}
	// encoding/json replaces invalid UTF-8 in strings with U+FFFD without
	// a word: a hand-edited document would be stored with other bytes
	// than the ones pushed. Refuse it, saying where.
	if !utf8.Valid(b) {
		return nil, refuse(&DecodeError{ProblemCorrupt, fmt.Sprintf("not valid UTF-8 at byte %d", invalidUTF8At(b))})
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	// A member this build does not know would be dropped by the next write:
	// refuse rather than lose it.
	dec.DisallowUnknownFields()
	// Params and executor settings are the only values of no fixed type:
	// an integer param float64 cannot hold (a seed above 2^53) keeps its
	// digits (exactParams).
	dec.UseNumber()
	var s State
	if err := dec.Decode(&s); err != nil {
		return nil, refuse(&DecodeError{ProblemInvalid, err.Error()})
	}
	if !strictjson.OnlySpace(b[dec.InputOffset():]) {
		return nil, classifyInvalid(b) // data after the document
	}
	s.exactParams()
	s.Normalize()
	if err := s.Validate(); err != nil {
		return nil, &DecodeError{ProblemInvalid, err.Error()}
	}
	return &s, nil
}

// invalidUTF8At is the offset of the first byte of b that is not valid
// UTF-8 (len(b) when there is none).
func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// classifyInvalid tells a truncated document from one that is otherwise
// not JSON. Only called on invalid input, so its cost does not matter.
func classifyInvalid(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	var v json.RawMessage
	err := dec.Decode(&v)
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &DecodeError{ProblemTruncated, fmt.Sprintf("the document ends after %d bytes, in the middle of its JSON", len(b))}
	case err != nil:
		return &DecodeError{ProblemCorrupt, fmt.Sprintf("not valid JSON: %v", err)}
	default:
		return &DecodeError{ProblemCorrupt, "unexpected data after the JSON document"}
	}
}

// peekFormat reads format_version from a valid JSON document without
// decoding the rest: the canonical encoding puts it first, so this reads a
// few tokens. The format must be known before the content is decoded: a
// newer format may have members this build would reject.
func peekFormat(b []byte) (int, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if tok, _ := dec.Token(); tok != json.Delim('{') {
		return 0, &DecodeError{ProblemCorrupt, "the document is not a JSON object"}
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return 0, &DecodeError{ProblemCorrupt, err.Error()}
		}
		if key != "format_version" {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return 0, &DecodeError{ProblemCorrupt, err.Error()}
			}
			continue
		}
		var val any
		if err := dec.Decode(&val); err != nil {
			return 0, &DecodeError{ProblemCorrupt, fmt.Sprintf("format_version: %v", err)}
		}
		n, ok := val.(json.Number)
		if !ok {
			return 0, &DecodeError{ProblemCorrupt, fmt.Sprintf("format_version is a %T, not a number", val)}
		}
		v, err := strconv.ParseInt(string(n), 10, 32)
		if err != nil {
			return 0, &DecodeError{ProblemCorrupt, fmt.Sprintf("format_version %s is not a whole number", termtext.Truncate(string(n), 40))}
		}
		return int(v), nil
	}
	return 0, &DecodeError{ProblemCorrupt, "format_version is missing: this is not an mlform state document"}
}

// verifyChecksum checks the checksum member against the raw bytes, so any
// change at all (a flipped bit, a reformatted file, a lost newline) is
// caught, not only changes that survive a JSON round trip.
func verifyChecksum(b []byte, required bool) error {
	sum, blanked, found := splitChecksum(b)
	if !found {
		if !required {
			return nil
		}
		return &DecodeError{ProblemCorrupt, "no checksum member in the canonical layout (was the file reformatted or edited by hand?)"}
	}
	if sum == "" && !required {
		return nil
	}
	if len(sum) != checksumLen || !hexid.IsLowerHex(sum) {
		return &DecodeError{ProblemCorrupt, fmt.Sprintf("checksum %q is not a %d-digit hex digest", termtext.Truncate(sum, 80), checksumLen)}
	}
	if got := checksum(blanked); got != sum {
		return &DecodeError{ProblemCorrupt, fmt.Sprintf("checksum mismatch: recorded %s, content hashes to %s (the file was changed after mlform wrote it)", sum[:12], got[:12])}
	}
	return nil
}

// exactParams turns the params' numbers, decoded as json.Number, into
// float64 as before, but for the integers float64 cannot hold exactly,
// which keep their digits (internal/exactnum); the executor settings of
// running attempts and evaluations, the other values of no fixed type,
// get float64.
func (s *State) exactParams() {
	for _, m := range s.Models {
		if m == nil {
			continue
		}
		for _, v := range m.Versions {
			if v != nil && v.Inputs.Params != nil {
				exactnum.Floats(v.Inputs.Params)
			}
		}
		for _, r := range m.Running {
			if r == nil {
				continue
			}
			if r.Draft != nil && r.Draft.Inputs.Params != nil {
				exactnum.Floats(r.Draft.Inputs.Params)
			}
			floatSettings(r.ExecutorSettings)
		}
		for _, e := range m.Evaluating {
			if e != nil {
				floatSettings(e.ExecutorSettings)
			}
		}
	}
}

// floatSettings makes the numbers of a running record's executor
// settings float64, as config evaluated them.
func floatSettings(settings map[string]any) {
	for k, v := range settings {
		if n, ok := v.(json.Number); ok {
			if f, err := strconv.ParseFloat(string(n), 64); err == nil {
				settings[k] = f
			}
		}
	}
}
