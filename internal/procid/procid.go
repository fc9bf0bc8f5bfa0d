// Package procid names a process so that a later run can tell, on the same
// host, whether it still runs: a pid alone is not enough, because pids are
// reused. On Linux the process start time (field 22 of /proc/PID/stat,
// clock ticks after boot) is recorded with the pid; a process with that
// pid but another start time is a different process. Elsewhere only the
// pid is known and reuse cannot be ruled out.
//
// mlform uses it to mark what a run leaves in temporary places (see
// internal/tempdir and the publish temporaries in planner), so the next run
// removes exactly what a killed run left and never what a live one uses.
package procid

import (
	"fmt"
	"hash/fnv"
	"os"
	"strconv"
	"strings"

	"github.com/mlform/mlform/internal/hexid"
)

// ID is one process on one host.
type ID struct {
	// Host is Host(): the host name ("unknown-host" when it cannot be
	// read), with the pid namespace when it is not the initial one.
	Host string
	// Boot is Boot(): the kernel's boot id, "" when unknown. It tells
	// apart machines that share a host name (see Boot).
	Boot string
	// PID is the process id.
	PID int
	// Start is the process start time in clock ticks after boot (Linux);
	// 0 when unknown.
	Start uint64
}

// Self is the calling process.
func Self() ID {
	pid := os.Getpid()
	start, _ := startTime(pid)
	return ID{Host: Host(), Boot: Boot(), PID: pid, Start: start}
}

// Token is the compact form of an ID used in file and object names:
// "<hosthash>-<pid>-<start>", where hosthash is 8 hex digits of the FNV-1a
// hash of the host name and the boot id (of the host name alone when the
// boot id is unknown, and in tokens written before boot ids were). It
// contains only [0-9a-f-].
//
// The boot id is in the hash because tokens name temporaries in places
// several machines may share (a pull or publish directory on NFS), and
// machines can share a host name (cloned VMs, containers given one
// --hostname): a token judged by the host name alone would let one
// machine take the other's live writer for a gone process of its own and
// delete its temporary.
func (id ID) Token() string {
	return fmt.Sprintf("%s-%d-%d", machineHash(id.Host, id.Boot), id.PID, id.Start)
}

// Liveness of a process as far as this host can tell.
type Liveness int

const (
	// Unknown: another host's process (or one that cannot be checked).
	Unknown Liveness = iota
	// Running: the very process still runs here.
	Running
	// Gone: the process no longer runs here (its pid is free or taken by
	// a process started at another time).
	Gone
)

func (l Liveness) String() string {
	switch l {
	case Running:
		return "running"
	case Gone:
		return "gone"
	}
	return "unknown"
}

// ParsedToken is a Token read back from a name.
type ParsedToken struct {
	HostHash string
	PID      int
	Start    uint64
}

// ParseToken reads a Token; ok is false for anything else.
func ParseToken(s string) (t ParsedToken, ok bool) {
	parts := strings.Split(s, "-")
	if len(parts) != 3 || len(parts[0]) != 8 || !hexid.IsLowerHex(parts[0]) {
		return t, false
	}
	pid, err := strconv.Atoi(parts[1])
	if err != nil || pid <= 0 || strconv.Itoa(pid) != parts[1] {
		return t, false
	}
	start, err := strconv.ParseUint(parts[2], 10, 64)
	if err != nil || strconv.FormatUint(start, 10) != parts[2] {
		return t, false
	}
	return ParsedToken{HostHash: parts[0], PID: pid, Start: start}, true
}

// Liveness checks the token's process on this host. A token of another
// host, or of another kernel of a host with this name, is Unknown. A
// token that hashes the host name alone (written where the boot id is
// unknown, or by a version before boot ids) is judged by the host name,
// as it was written.
func (t ParsedToken) Liveness() Liveness {
	switch t.HostHash {
	case machineHash(Host(), Boot()), hostHash(Host()):
		return Check(t.PID, t.Start)
	}
	return Unknown
}

// Liveness checks id on this host (and kernel, when id has a boot id).
func (id ID) Liveness() Liveness {
	if !SameKernel(id.Host, id.Boot) {
		return Unknown
	}
	return Check(id.PID, id.Start)
}

// Exited reports whether process pid is known to have stopped on this
// host: absent, or a zombie nobody reaps (a pid of 0 or less never is).
func Exited(pid int) bool { return Check(pid, 0) == Gone }

// Check reports whether the process pid that started at start (0: any
// start time) runs on this host. A zombie counts as gone.
func Check(pid int, start uint64) Liveness {
	if pid <= 0 {
		return Unknown
	}
	got, err := startTime(pid)
	if err == errNoProcFS {
		if exists(pid) {
			return Running
		}
		return Gone
	}
	if err != nil {
		return Gone
	}
	if start != 0 && got != start {
		return Gone
	}
	return Running
}

// machineHash is the hash a Token carries for host with boot id boot.
func machineHash(host, boot string) string {
	if boot == "" {
		return hostHash(host)
	}
	return hostHash(host + "\x00boot:" + boot)
}

func hostHash(host string) string {
	h := fnv.New32a()
	h.Write([]byte(host))
	return fmt.Sprintf("%08x", h.Sum32())
}
