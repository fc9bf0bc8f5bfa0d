package local

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
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

// envValue finds key in a KEY=VALUE list.
func envValue(env []string, key string) string {
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v
		}
	}
	return ""
}

// resolveCommand finds the program to run: a name with a slash is a path
// relative to dir (or absolute); a bare name is searched in the PATH the
// command will see, skipping relative PATH entries.
func resolveCommand(name, dir, pathEnv string) (string, error) {
	if strings.Contains(name, "/") {
		p := name
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		if err := checkExecutable(p); err != nil {
			return "", err
		}
		return p, nil
	}
	for _, d := range filepath.SplitList(pathEnv) {
		if d == "" || !filepath.IsAbs(d) {
			continue
		}
		p := filepath.Join(d, name)
		if checkExecutable(p) == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%q not found in PATH", name)
}

func checkExecutable(p string) error {
	info, err := os.Stat(p)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("%s: no such file", p)
		}
		return err
	}
	if info.IsDir() {
		return fmt.Errorf("%s is a directory", p)
	}
	if info.Mode()&0o111 == 0 {
		return fmt.Errorf("%s is not executable", p)
	}
	return nil
}
