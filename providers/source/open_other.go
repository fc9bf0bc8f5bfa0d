//go:build !linux

package source

import "io"

// fastOpener is Linux's openat2 fast path (open_linux.go); elsewhere every
// open takes the portable os.Root path.
type fastOpener struct{}

func newFastOpener(string) *fastOpener { return nil }

func (*fastOpener) close() {}

func (*fastOpener) open(string) io.ReadCloser { return nil }
