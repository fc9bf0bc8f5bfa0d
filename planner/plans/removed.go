package plans

import (
	"github.com/mlform/mlform/internal/objname"
)

// RemovedMessage is the note on an object state records but the
// configuration no longer declares: what stays (kept, e.g. "its versions
// and aliases"), and the command that forgets it, quoted for a shell when
// the address has an instance key. An instance whose block is still
// declared lost its key from for_each (or its index from count).
func RemovedMessage(addr, kept string, blockDeclared bool) string {
	why := "no longer declared"
	if _, sfx := objname.Split(AddrName(addr)); sfx != "" && blockDeclared {
		why = "no longer an instance (its key left for_each, or count shrank)"
	}
	return why + "; " + kept + " stay in state (mlform state rm " + objname.ShellArg(addr) + " forgets them)"
}
