//go:build !linux

package procid

import "errors"

var errNoProcFS = errors.New("no /proc")

// startTime is unknown without /proc: liveness falls back to the pid.
func startTime(pid int) (uint64, error) { return 0, errNoProcFS }
