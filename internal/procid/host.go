package procid

import (
	"sync"

	"github.com/mlform/mlform/internal/whoami"
)

// Host names the place where a pid means one process: the host name and,
// when this process runs in a pid namespace other than the host's initial
// one (pidNamespace, Linux), that namespace: "ci-7/pidns:4026532291".
//
// The host name alone is not enough. A Kubernetes pod with hostNetwork, a
// `docker run --network host` container or one given the host's name all
// share it with the host and with each other, but each has its own pids:
// a pid recorded in one means another process, or none, in the next. A
// process checked from another pid namespace would be judged gone while it
// runs, and what it holds (a store lock, a temporary directory) removed
// under it. Liveness checks and the holders mlform records all use Host,
// so only a process of the same namespace is ever judged by its pid; any
// other is Unknown (a store lock then goes stale only when it stops being
// refreshed).
func Host() string {
	hostOnce.Do(func() {
		host = whoami.Host()
		if ns := pidNamespace(); ns != "" {
			host += "/pidns:" + ns
		}
	})
	return host
}

var (
	hostOnce sync.Once
	host     string
)
