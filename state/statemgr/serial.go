package statemgr

import (
	"errors"
	"fmt"
	"math"
)

// ErrSerialOverflow is returned (wrapped) by writes that would need a
// serial above the largest one a state can record (2^64-1). Wrapping to 0
// would make every later document look older than plans saved against it
// and defeat the older-serial check, so the write is refused instead and
// nothing is stored.
var ErrSerialOverflow = errors.New("the state serial is at its maximum (2^64-1)")

// nextSerial returns the serial n+add, or an error when it does not fit.
func nextSerial(n, add uint64) (uint64, error) {
	if n > math.MaxUint64-add {
		return 0, fmt.Errorf("write state: serial %d: %w, so no later serial exists and nothing was written (docs/state.md, \"The document\", says how to recover)", n, ErrSerialOverflow)
	}
	return n + add, nil
}
