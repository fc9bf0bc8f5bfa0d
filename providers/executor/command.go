package executor

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
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
