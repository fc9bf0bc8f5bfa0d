package executor

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ResolveCommand finds the program a Task runs, as Task.Command documents:
// a name with a slash is a path relative to dir (or absolute); a bare name
// is searched in pathEnv (the PATH the command will see), skipping
// relative entries. Every executor resolves the same way, so a command
// that starts under one starts under another.
func ResolveCommand(name, dir, pathEnv string) (string, error) {
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

// EnvValue finds key in a KEY=VALUE list ("" when absent).
func EnvValue(env []string, key string) string {
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v
		}
	}
	return ""
}

// inheritedEnv lists the only variables a step inherits from mlform's own
// environment: enough for a shell and a Go toolchain (`go run` trainers) to
// work, and nothing else, so credentials in mlform's environment do not
// leak into user code and a version's environment is what the config says.
// Every executor uses the same list, so a step sees the same environment
// wherever it runs.
func inheritedEnv() []string {
	return []string{
		"PATH", "HOME", "USER", "LOGNAME", "TMPDIR", "LANG", "LC_ALL", "TZ",
		"XDG_CACHE_HOME",
		"GOCACHE", "GOPATH", "GOFLAGS", "GOMODCACHE", "GOROOT", "GOTOOLCHAIN",
		"GOPROXY", "GOSUMDB", "GONOSUMDB", "GONOPROXY", "GOPRIVATE", "GOINSECURE",
	}
}

// BuildEnv merges the inherited variables (plus extra names an executor's
// own tools need, like SLURM_CONF) with the task's, which win, into a
// sorted KEY=VALUE list.
func BuildEnv(getenv func(string) string, task map[string]string, extra ...string) []string {
	m := make(map[string]string, len(task)+len(extra)+24)
	for _, k := range append(inheritedEnv(), extra...) {
		if v := getenv(k); v != "" {
			m[k] = v
		}
	}
	for k, v := range task {
		m[k] = v
	}
	env := make([]string, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		env = append(env, k+"="+m[k])
	}
	return env
}
