// Package strictjson decodes the small untrusted JSON documents mlform
// reads from buckets and caches (store roots and locks, remote job
// objects, manifests, plan files): one value and nothing after it, and
// where the caller asks, no field the target does not declare, so a
// damaged or foreign document is refused, not half-read.
package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Option selects how Unmarshal reads; combine them with |.
type Option uint8

const (
	// KnownFields refuses a member the target does not declare: a later
	// write would drop it.
	KnownFields Option = 1 << iota
	// ExactNumbers decodes numbers in interface values as json.Number, so
	// an integer float64 cannot hold keeps its digits.
	ExactNumbers
)

// ErrTrailingData is Unmarshal's error for anything but JSON white space
// after the value.
var ErrTrailingData = errors.New("data after the JSON value")

// Unmarshal decodes b, which must hold one JSON value and nothing after it
// but white space, into v. Its errors are encoding/json's, or
// ErrTrailingData.
func Unmarshal(b []byte, v any, opts Option) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if opts&KnownFields != 0 {
		dec.DisallowUnknownFields()
	}
	if opts&ExactNumbers != 0 {
		dec.UseNumber()
	}
	if err := dec.Decode(v); err != nil {
		return err
	}
	// Not dec.More: it reports whether an enclosing array or object goes
	// on, so it is false before a stray "}" or "]".
	if !OnlySpace(b[dec.InputOffset():]) {
		return ErrTrailingData
	}
	return nil
}

// OnlySpace reports whether b is empty or holds only JSON white space.
func OnlySpace(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}

// Decode decodes b, the document what of at most limit bytes, into v,
// refusing fields v does not declare. A larger document, invalid JSON, an
// unknown field, or data after the one JSON value is an error that names
// what.
func Decode(b []byte, limit int, v any, what string) error {
	if len(b) > limit {
		return fmt.Errorf("%s is %d bytes, more than %d", what, len(b), limit)
	}
	err := Unmarshal(b, v, KnownFields)
	switch {
	case errors.Is(err, ErrTrailingData):
		return fmt.Errorf("%s has data after its JSON object", what)
	case err != nil:
		return fmt.Errorf("%s is not valid JSON: %w", what, err)
	}
	return nil
}
