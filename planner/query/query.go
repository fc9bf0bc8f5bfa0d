// Package query answers the model commands (versions, lineage, history,
// metrics diff) from a recorded state: it resolves addresses, gathers what
// the command shows into plain structs (which are also the -json schema)
// and renders them as aligned text. It reads state only; a state file is
// untrusted input, so every recorded string is printed on one line with
// control characters removed.
package query

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mlform/mlform/internal/termtext"
	"github.com/mlform/mlform/internal/textfmt"
	"github.com/mlform/mlform/state"
)

// model resolves the model an address names, with a clear error when the
// state has none.
func model(s *state.State, a state.Address) (*state.Model, error) {
	m := s.Models[a.Name]
	if m == nil {
		names := slices.Sorted(maps.Keys(s.Models))
		if len(names) == 0 {
			return nil, fmt.Errorf("model.%s is not in the state: no model has been trained yet (run `mlform apply`)", a.Name)
		}
		for i, n := range names {
			names[i] = "model." + n
		}
		return nil, fmt.Errorf("model.%s is not in the state (recorded: %s)", a.Name, textfmt.Names(names, textfmt.MaxNames))
	}
	return m, nil
}

// resolveVersion returns the version an address names: model.NAME@N, or
// model.NAME@ALIAS (the version the alias points at now).
func resolveVersion(s *state.State, a state.Address) (*state.Model, *state.Version, error) {
	m, err := model(s, a)
	if err != nil {
		return nil, nil, err
	}
	n := a.Version
	switch a.Kind {
	case state.AddrVersion:
	case state.AddrAlias:
		al := m.Aliases[a.Alias]
		if al == nil {
			return nil, nil, NoAlias(a, m)
		}
		n = al.Version
	default:
		return nil, nil, fmt.Errorf("%s: name a version, as model.%s@VERSION or model.%s@ALIAS", a, a.Name, a.Name)
	}
	v := m.Version(n)
	if v == nil {
		if why := NotCollected(m, n); why != "" {
			return nil, nil, fmt.Errorf("%s: %s (%s)", a, why, versionList(m))
		}
		return nil, nil, fmt.Errorf("%s: model.%s has no version %d (%s)", a, a.Name, n, versionList(m))
	}
	return m, v, nil
}

// NotCollected says why version n of m is not recorded when it is a
// submitted job (apply -wait=false, or an apply killed while it waited):
// it becomes a version once an apply collects it. "" when it is not one.
func NotCollected(m *state.Model, n int) string {
	r := m.RunningAttempt(n)
	if r == nil {
		return ""
	}
	job := r.Executor + " job"
	if r.JobID != "" {
		job += " " + r.JobID
	}
	return fmt.Sprintf("v%d of model.%s is not recorded yet: it was submitted as %s and an apply collects it", n, m.Name, job)
}

// ResolveVersion parses addr (model.NAME@N or model.NAME@ALIAS) for the
// command cmd and returns the model and version it names, with errors that
// list what exists.
func ResolveVersion(s *state.State, cmd, addr string) (*state.Model, *state.Version, error) {
	a, err := parseVersionAddr(cmd, addr)
	if err != nil {
		return nil, nil, err
	}
	return resolveVersion(s, a)
}

// parseVersionAddr parses an address that must name a model version or
// alias.
func parseVersionAddr(cmd, s string) (state.Address, error) {
	a, err := ParseAddress(s)
	if err != nil {
		return a, fmt.Errorf("%s: %w", cmd, err)
	}
	if a.Kind != state.AddrVersion && a.Kind != state.AddrAlias {
		return a, fmt.Errorf("%s: %q names no version: want model.NAME@VERSION or model.NAME@ALIAS", cmd, s)
	}
	return a, nil
}

// NoAlias is the error for an alias m does not have, listing those it
// has. An alias written like a version (model.churn@v3) is most likely
// meant as one: it says how a version is written.
func NoAlias(a state.Address, m *state.Model) error {
	hint := ""
	if n, err := strconv.Atoi(strings.TrimPrefix(a.Alias, "v")); err == nil && n > 0 && strings.HasPrefix(a.Alias, "v") {
		hint = fmt.Sprintf("; a version is written without the v: model.%s@%d", a.Name, n)
	}
	return fmt.Errorf("%s: model.%s has no alias %q (%s)%s", a, a.Name, a.Alias, aliasList(m), hint)
}

func aliasList(m *state.Model) string {
	if len(m.Aliases) == 0 {
		return "it has no aliases"
	}
	return "aliases: " + strings.Join(slices.Sorted(maps.Keys(m.Aliases)), ", ")
}

func versionList(m *state.Model) string {
	if len(m.Versions) == 0 {
		return "it has no versions"
	}
	ns := make([]int, 0, len(m.Versions))
	for _, v := range m.Versions {
		ns = append(ns, v.Version)
	}
	sort.Ints(ns)
	if len(ns) > 10 {
		return fmt.Sprintf("versions: v%d .. v%d", ns[0], ns[len(ns)-1])
	}
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = fmt.Sprintf("v%d", n)
	}
	return "versions: " + strings.Join(parts, ", ")
}

// aliasesAt lists the aliases pointing at version n now.
func aliasesAt(m *state.Model, n int) []string {
	var out []string
	for _, name := range slices.Sorted(maps.Keys(m.Aliases)) {
		if m.Aliases[name].Version == n {
			out = append(out, name)
		}
	}
	return out
}

// clean keeps recorded text on one line and free of terminal control
// sequences.
func clean(s string) string { return Clean(s) }

// Clean replaces control characters (a terminal escape in a file name
// or an error read from state) with spaces, so text from state, manifests
// or a trainer prints on one line and cannot drive the terminal.
func Clean(s string) string { return termtext.OneLine(s) }

// stamp renders a time in UTC, "-" when unknown.
func stamp(t time.Time) string {
	return textfmt.Time(t)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return clean(s)
}
