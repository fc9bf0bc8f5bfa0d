// Package strictjson decodes the small untrusted JSON documents mlform
// reads from buckets and caches (store roots and locks, remote job
// objects): bounded in size, one object, no field the target does not
// declare, so a damaged or foreign document is refused, not half-read.
package strictjson

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Decode decodes b, the document what of at most limit bytes, into v. A
// larger document, invalid JSON, a field v does not declare, or data after
// the one JSON object is an error that names what.
func Decode(b []byte, limit int, v any, what string) error {
	if len(b) > limit {
		return fmt.Errorf("%s is %d bytes, more than %d", what, len(b), limit)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s is not valid JSON: %w", what, err)
	}
	if dec.More() {
		return fmt.Errorf("%s has data after its JSON object", what)
	}
	return nil
}
