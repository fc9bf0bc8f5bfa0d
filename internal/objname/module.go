package objname

import (
	"fmt"
	"strings"
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
		return "", fmt.Errorf("address %q: want module.NAME.KIND.NAME, like module.region.model.churn", truncate(addr))
	}
	kind, local, ok := strings.Cut(rest, ".")
	if !ok || kind == "module" {
		return "", fmt.Errorf("address %q: a module path must be followed by an object, like module.region.model.churn", truncate(addr))
	}
	return kind + "." + InModule(path, local), nil
}

func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}
