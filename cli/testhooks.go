package cli

import "time"

// testHooks are the knobs end-to-end tests turn to make real processes
// meet at known points: hold the state lock, slow each stored file, and
// report reached points as lines in an events file that a script waits on
// (instead of sleeping). They are read from the environment only in a
// binary built with the mlformtest build tag (testhooks_on.go), which
// `make test` sets; a release build has none (testhooks_off.go).
type testHooks struct {
	// holdLock keeps the state lock this long after taking it
	// (MLFORM_TEST_HOLD_LOCK).
	holdLock time.Duration
	// fileDelay pauses before each file an apply stores
	// (MLFORM_TEST_FILE_DELAY).
	fileDelay time.Duration
	// events is the file reached points are appended to
	// (MLFORM_TEST_EVENTS), one line each.
	events string
}
