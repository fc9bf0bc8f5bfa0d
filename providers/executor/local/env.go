package local

import (
	"sort"
)

// inherited lists the only variables a command inherits from mlform's own
// environment: enough for a shell and a Go toolchain (`go run` trainers) to
// work, and nothing else, so credentials in mlform's environment do not leak
// into user code and a version's environment is what the config says.
var inherited = [...]string{
	"PATH", "HOME", "USER", "LOGNAME", "TMPDIR", "LANG", "LC_ALL", "TZ",
	"XDG_CACHE_HOME",
	"GOCACHE", "GOPATH", "GOFLAGS", "GOMODCACHE", "GOROOT", "GOTOOLCHAIN",
	"GOPROXY", "GOSUMDB", "GONOSUMDB", "GONOPROXY", "GOPRIVATE", "GOINSECURE",
}

// buildEnv merges the inherited variables with the task's (which win) into
// a sorted KEY=VALUE list.
func buildEnv(getenv func(string) string, task map[string]string) []string {
	m := make(map[string]string, len(inherited)+len(task))
	for _, k := range inherited {
		if v := getenv(k); v != "" {
			m[k] = v
		}
	}
	for k, v := range task {
		m[k] = v
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	env := make([]string, len(keys))
	for i, k := range keys {
		env[i] = k + "=" + m[k]
	}
	return env
}
