//go:build !unix

package local

import (
	"fmt"
	"os"
)

// SupervisorArg is the first argument that turns a binary into the step
// supervisor; see supervise.go (Unix only).
const SupervisorArg = "__mlform_supervise"

// Supervise is not available without POSIX process groups.
func Supervise([]string) int {
	fmt.Fprintln(os.Stderr, "the step supervisor needs a POSIX system")
	return 2
}
