package query

import (
	"fmt"
	"strings"

	"github.com/mlform/mlform/internal/objname"
	"github.com/mlform/mlform/state"
)

// ParseAddress is state.ParseAddress for names inside modules too: the
// module path (`model.module.region["eu"].churn@3`, the form mlform keeps;
// internal/objname) is checked here and the rest by state.ParseAddress.
func ParseAddress(s string) (state.Address, error) {
	kind, rest, ok := strings.Cut(s, ".")
	if !ok {
		return state.ParseAddress(s)
	}
	if kind == "module" {
		// A whole module where one dataset or model is wanted
		// (versions 'module.region["eu"]').
		if path, local := objname.CutModule(s + ".x"); path == s && local == "x" {
			if !objname.ValidModulePath(path, state.IsIdentifier) {
				return state.Address{}, badModulePath(s, path)
			}
			return state.Address{}, fmt.Errorf("address %q is a module: name one object in it, like %s.model.NAME", Clean(s), Clean(s))
		}
	}
	path, local := objname.CutModule(rest)
	if path == "" {
		return state.ParseAddress(s)
	}
	a, err := state.ParseAddress(kind + "." + local)
	if err != nil {
		return state.Address{}, fmt.Errorf("%s (in %s)", err, path)
	}
	a.Name = objname.InModule(path, a.Name)
	if !state.IsName(a.Name) {
		return state.Address{}, badModulePath(s, path)
	}
	return a, nil
}

// badModulePath is the error for an address whose module path is not
// valid. A key without its quotes (module.region[eu], what a shell leaves
// of module.region["eu"] written without single quotes) gets the fix, as
// it does in an object's own key and in -target.
func badModulePath(s, path string) error {
	if err := objname.UnquotedKey(path); err != nil {
		return fmt.Errorf("address %q: %w", Clean(s), err)
	}
	return fmt.Errorf("address %q: %q is not a valid module path", Clean(s), Clean(path))
}

// ParseAddressOrModule is ParseAddress that also takes a module path
// (module.region, module.region["eu"], module.a.module.b): state list and
// state rm act on everything under it, as Terraform's do.
func ParseAddressOrModule(s string) (state.Address, error) {
	if path, local := objname.CutModule(s + ".x"); path == s && local == "x" {
		if !objname.ValidModulePath(path, state.IsIdentifier) {
			return state.Address{}, badModulePath(s, path)
		}
		return state.Address{Kind: state.AddrModule, Name: path}, nil
	}
	return ParseAddress(s)
}
