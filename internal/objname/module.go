package objname

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/mlform/mlform/internal/termtext"
)

// Objects declared inside a local module carry the module path in their
// name, as Terraform's addresses do: `module.region["eu"].churn` is the
// model churn of the module instance region["eu"], and modules nest
// (`module.a.module.b.churn`). Everything that keeps names (Config maps,
// state, plan files) keeps this form, so an address stays KIND.NAME
// inside mlform (`model.module.region["eu"].churn`); Display turns it
// into the address users read and write, Terraform's
// `module.region["eu"].model.churn`, and Canonical back.

// MaxModuleDepth bounds how deeply modules nest.
const MaxModuleDepth = 16

const modulePrefix = "module."

// CutModule separates a name into its module path and its name inside the
// module: `module.a["eu"].churn` -> (`module.a["eu"]`, "churn"),
// "churn" -> ("", "churn"). It does not validate either part.
func CutModule(name string) (path, local string) {
	i := 0
	for strings.HasPrefix(name[i:], modulePrefix) {
		j := i + len(modulePrefix)
		for j < len(name) && name[j] != '.' && name[j] != '[' {
			j++
		}
		if j < len(name) && name[j] == '[' {
			end := strings.IndexByte(name[j:], ']')
			if end < 0 {
				break
			}
			j += end + 1
		}
		if j >= len(name) || name[j] != '.' {
			break
		}
		i = j + 1
	}
	if i == 0 {
		return "", name
	}
	return name[:i-1], name[i:]
}

// Local is the name inside its module: `module.a.churn["eu"]` ->
// `churn["eu"]`.
func Local(name string) string {
	_, local := CutModule(name)
	return local
}

// InModule joins a module path and a name inside it.
func InModule(path, local string) string {
	if path == "" {
		return local
	}
	return path + "." + local
}

// ValidModulePath reports whether path is a module path whose module
// names isBase accepts: `module.a`, `module.a["eu"].module.b[0]`.
func ValidModulePath(path string, isBase func(string) bool) bool {
	return path != "" && checkModulePath(path, isBase) == nil
}

// checkModulePath checks a module path: one or more `module.NAME` with an
// optional instance suffix each, at most MaxModuleDepth deep.
func checkModulePath(path string, isBase func(string) bool) error {
	depth := 0
	for rest := path; rest != ""; depth++ {
		if depth == MaxModuleDepth {
			return fmt.Errorf("modules nest at most %d deep", MaxModuleDepth)
		}
		if !strings.HasPrefix(rest, modulePrefix) {
			return fmt.Errorf("%q is not a module path: want module.NAME", path)
		}
		rest = rest[len(modulePrefix):]
		step, next, _ := cutStep(rest)
		base, suffix := Split(step)
		if !isBase(base) {
			return fmt.Errorf("%q is not a module name", base)
		}
		if _, _, _, err := ParseSuffix(suffix); err != nil {
			return err
		}
		rest = next
	}
	return nil
}

// cutStep cuts the first `NAME` or `NAME[KEY]` off a module path.
func cutStep(s string) (step, rest string, more bool) {
	i := strings.IndexByte(s, '.')
	if j := strings.IndexByte(s, '['); j >= 0 && (i < 0 || j < i) {
		end := strings.IndexByte(s[j:], ']')
		if end < 0 {
			return s, "", false
		}
		i = j + end + 1
		if i < len(s) && s[i] != '.' {
			return s, "", false // garbage after the key: isBase/ParseSuffix refuse it
		}
		if i >= len(s) {
			return s, "", false
		}
	}
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+1:], true
}

// Display turns an address as mlform keeps it, KIND.NAME with an
// optional @VERSION, @ALIAS or @SNAPSHOT, into the address users read:
// `model.module.a.churn@3` -> `module.a.model.churn@3`. Addresses outside
// modules are unchanged.
func Display(addr string) string {
	kind, name, ok := strings.Cut(addr, ".")
	if !ok || !strings.HasPrefix(name, modulePrefix) {
		return addr
	}
	path, local := CutModule(name)
	if path == "" {
		return addr
	}
	return path + "." + kind + "." + local
}

// Canonical is Display's inverse: it turns the address a user wrote,
// `module.a["eu"].model.churn@3`, into KIND.NAME form,
// `model.module.a["eu"].churn@3`. Anything not starting with "module." is
// returned as given. The result still has to be parsed (state.ParseAddress).
func Canonical(addr string) (string, error) {
	if !strings.HasPrefix(addr, modulePrefix) {
		return addr, nil
	}
	path, rest := CutModule(addr)
	if path == "" {
		return "", fmt.Errorf("address %q: want module.NAME.KIND.NAME, like module.region.model.churn", termtext.Truncate(addr, 80))
	}
	kind, local, ok := strings.Cut(rest, ".")
	if !ok || kind == "module" {
		return "", fmt.Errorf("address %q: a module path must be followed by an object, like module.region.model.churn", termtext.Truncate(addr, 80))
	}
	// No name, key or @VERSION/@ALIAS/@SNAPSHOT holds a ".": one here is
	// a module path written after the kind (module.a.model.module.b.x),
	// which joined to the path would read back as another object
	// (model x of module.a.module.b).
	if strings.Contains(local, ".") {
		return "", fmt.Errorf("address %q: %s.%s is not an object name; the whole module path comes first, like module.a.module.b.model.churn", termtext.Truncate(addr, 80), kind, termtext.Truncate(local, 40))
	}
	return kind + "." + InModule(path, local), nil
}

// kinds are the address kinds whose names may carry a module path.
var kinds = []string{"dataset", "model", "promotion", "retrain_policy", "environment", "storage"} // constant table

// DisplayText rewrites every address as mlform keeps it inside a text
// (`model.module.a["eu"].churn`, also with JSON's escaped quotes) into the
// address users read (`module.a["eu"].model.churn`). It is how output
// shows module addresses without every message composing them itself;
// text without "module." comes back as given.
func DisplayText(s []byte) []byte {
	const marker = ".module."
	// bytes, not string(s[i:]): converting the rest of s at every match
	// copied it, quadratic in a large document (a fleet's plan JSON).
	if !bytes.Contains(s, []byte(marker)) {
		return s
	}
	var out []byte
	last, i := 0, 0
	for {
		k := bytes.Index(s[i:], []byte(marker))
		if k < 0 {
			break
		}
		dot := i + k
		i = dot + 1
		kindStart := dot
		for kindStart > 0 && (s[kindStart-1] == '_' || s[kindStart-1] >= 'a' && s[kindStart-1] <= 'z') {
			kindStart--
		}
		kind := string(s[kindStart:dot])
		if kindStart < last || !isKind(kind) || (kindStart > 0 && isNameByte(s[kindStart-1])) {
			continue
		}
		pathEnd := modulePathEnd(s, dot+1)
		if pathEnd < 0 {
			continue
		}
		out = append(out, s[last:kindStart]...)
		out = append(out, s[dot+1:pathEnd]...)
		out = append(out, '.')
		out = append(out, kind...)
		last = pathEnd // the '.' before the local name
		i = pathEnd
	}
	if out == nil {
		return s
	}
	return append(out, s[last:]...)
}

func isKind(k string) bool {
	for _, c := range kinds {
		if c == k {
			return true
		}
	}
	return false
}

func isNameByte(c byte) bool {
	return c == '_' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// modulePathEnd reads `module.NAME[KEY].` steps from s[i:] and returns the
// index of the '.' that ends the last one, when a name follows it; -1 when
// s[i:] does not start with a module path and a name.
func modulePathEnd(s []byte, i int) int {
	end := -1
	for bytes.HasPrefix(s[i:], []byte(modulePrefix)) {
		j := i + len(modulePrefix)
		start := j
		for j < len(s) && isNameByte(s[j]) {
			j++
		}
		if j == start {
			break
		}
		if j < len(s) && s[j] == '[' {
			close := bytes.IndexByte(s[j:], ']')
			if close < 0 || close > 2*MaxKeyLen {
				break
			}
			j += close + 1
		}
		if j >= len(s) || s[j] != '.' {
			break
		}
		end, i = j, j+1
	}
	if end < 0 || end+1 >= len(s) || !isNameByte(s[end+1]) {
		return -1
	}
	return end
}
