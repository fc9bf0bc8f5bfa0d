package check

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ModuleSourceError says why a module source is refused: Summary is the
// diagnostic's summary, the error text its detail (after "source ... in
// BLOCK").
type ModuleSourceError struct {
	Summary string
	Detail  string
}

func (e *ModuleSourceError) Error() string { return e.Detail }

// ModuleDir resolves a module block's source: a relative path starting
// with ./ or ../ from the calling module's directory from, to a directory
// inside root (the workspace), also once symbolic links are followed.
// Registry, git, http and other remote sources are refused: only local
// modules are supported.
func ModuleDir(root, from, src string) (string, error) {
	fail := func(summary, format string, args ...any) (string, error) {
		return "", &ModuleSourceError{Summary: summary, Detail: fmt.Sprintf(format, args...)}
	}
	if !strings.HasPrefix(src, "./") && !strings.HasPrefix(src, "../") {
		return fail("Module source not supported",
			"is not a local path. Only local modules are supported: a directory inside the workspace, written as a relative path starting with ./ or ../ (registry, git, http and other remote sources are not)")
	}
	dir := filepath.Join(from, filepath.FromSlash(src))
	outside := func(a, b string) bool {
		rel, err := filepath.Rel(a, b)
		return err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel)
	}
	if outside(root, dir) {
		return fail("Module source outside the workspace", "leads to %s, outside the workspace (the root module's directory): a module must be a directory inside it", dir)
	}
	st, err := os.Stat(dir)
	switch {
	case err != nil:
		return fail("Module directory not found", "cannot be read: %s", strings.TrimSuffix(err.Error(), "."))
	case !st.IsDir():
		return fail("Module source is not a directory", "names %s, which is not a directory", dir)
	}
	realRoot, err1 := filepath.EvalSymlinks(root)
	realDir, err2 := filepath.EvalSymlinks(dir)
	if err1 == nil && err2 == nil && outside(realRoot, realDir) {
		return fail("Module source outside the workspace", "leads through a symbolic link to %s, outside the workspace: a module must be a directory inside it", realDir)
	}
	return dir, nil
}
