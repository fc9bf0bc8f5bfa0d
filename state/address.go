package state

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/mlform/mlform/internal/hexid"
	"github.com/mlform/mlform/internal/objname"
	"github.com/mlform/mlform/internal/termtext"
)

// AddressKind is what an address names.
type AddressKind int

// Address kinds.
const (
	AddrDataset  AddressKind = iota + 1 // dataset.NAME
	AddrModel                           // model.NAME
	AddrVersion                         // model.NAME@N
	AddrAlias                           // model.NAME@ALIAS
	AddrSnapshot                        // dataset.NAME@ID (an id or a unique prefix of at least 8 hex digits)
	// AddrModule is a module call or instance, module.NAME or
	// module.NAME["KEY"] (nested: module.a.module.b): everything recorded
	// under it. Name is the module path. Only state list and state rm take
	// one (ModuleContents expands it), as in Terraform.
	AddrModule
)

// Address names one thing recorded in state, as users write it:
// dataset.churn, model.churn, model.churn@7, model.churn@production.
type Address struct {
	Kind    AddressKind
	Name    string
	Version int    // AddrVersion
	Alias   string // AddrAlias
	// Snapshot is the snapshot id or id prefix of an AddrSnapshot, as
	// written (lowercased); Lookup and Remove resolve it.
	Snapshot string
}

// ParseAddress parses an address, saying what is wrong with a bad one.
func ParseAddress(s string) (Address, error) {
	kind, rest, ok := strings.Cut(s, ".")
	if !ok {
		return Address{}, fmt.Errorf("address %q: want dataset.NAME, dataset.NAME@SNAPSHOT, model.NAME, model.NAME@VERSION or model.NAME@ALIAS", termtext.Truncate(s, 80))
	}
	if kind != "dataset" && kind != "model" {
		return Address{}, fmt.Errorf("address %q: unknown kind %q (want dataset or model)", termtext.Truncate(s, 80), termtext.Truncate(kind, 40))
	}
	name, at, hasAt := strings.Cut(rest, "@")
	if err := checkAddrName(s, kind, name); err != nil {
		return Address{}, err
	}
	switch {
	case kind == "dataset" && !hasAt:
		return Address{Kind: AddrDataset, Name: name}, nil
	case kind == "dataset":
		id := strings.ToLower(at)
		if len(id) < minIDLen || len(id) > maxIDLen || !hexid.IsLowerHex(id) {
			return Address{}, fmt.Errorf("address %q: %q is not a snapshot id (at least %d hexadecimal digits of one)", termtext.Truncate(s, 80), termtext.Truncate(id, 80), minIDLen)
		}
		return Address{Kind: AddrSnapshot, Name: name, Snapshot: id}, nil
	case !hasAt:
		return Address{Kind: AddrModel, Name: name}, nil
	case at != "" && at[0] >= '0' && at[0] <= '9':
		n, err := strconv.Atoi(at)
		if err != nil || n < 1 {
			return Address{}, fmt.Errorf("address %q: %q is not a version number", termtext.Truncate(s, 80), termtext.Truncate(at, 80))
		}
		return Address{Kind: AddrVersion, Name: name, Version: n}, nil
	case !IsIdentifier(at):
		return Address{}, fmt.Errorf("address %q: %q is neither a version number nor an alias name", termtext.Truncate(s, 80), termtext.Truncate(at, 80))
	}
	return Address{Kind: AddrAlias, Name: name, Alias: at}, nil
}

// checkAddrName checks the NAME of an address: an identifier with an
// optional instance key, `churn["eu"]` or `churn[0]`, saying which part is
// wrong.
func checkAddrName(addr, kind, name string) error {
	base, suffix := objname.Split(name)
	if !IsIdentifier(base) {
		return fmt.Errorf("address %q: %q is not a %s name", termtext.Truncate(addr, 80), termtext.Truncate(base, 80), kind)
	}
	if _, _, _, err := objname.ParseSuffix(suffix); err != nil {
		return fmt.Errorf("address %q: %w", termtext.Truncate(addr, 80), err)
	}
	return nil
}

func (a Address) String() string {
	switch a.Kind {
	case AddrDataset:
		return "dataset." + a.Name
	case AddrModel:
		return "model." + a.Name
	case AddrVersion:
		return fmt.Sprintf("model.%s@%d", a.Name, a.Version)
	case AddrAlias:
		return "model." + a.Name + "@" + a.Alias
	case AddrSnapshot:
		return "dataset." + a.Name + "@" + a.Snapshot
	case AddrModule:
		return a.Name
	}
	return "<invalid address>"
}

// Addresses lists everything recorded, in a stable order: datasets, then
// each model followed by its versions (ascending) and its aliases.
func (s *State) Addresses() []Address {
	var out []Address
	for _, name := range slices.Sorted(maps.Keys(s.Datasets)) {
		out = append(out, Address{Kind: AddrDataset, Name: name})
	}
	for _, name := range slices.Sorted(maps.Keys(s.Models)) {
		m := s.Models[name]
		out = append(out, Address{Kind: AddrModel, Name: name})
		vs := make([]int, 0, len(m.Versions))
		for _, v := range m.Versions {
			vs = append(vs, v.Version)
		}
		sort.Ints(vs)
		for _, v := range vs {
			out = append(out, Address{Kind: AddrVersion, Name: name, Version: v})
		}
		for _, alias := range slices.Sorted(maps.Keys(m.Aliases)) {
			out = append(out, Address{Kind: AddrAlias, Name: name, Alias: alias})
		}
	}
	return out
}

// AddressesUnder lists what Addresses lists that one of filters covers;
// all of it when there are no filters.
func (s *State) AddressesUnder(filters []Address) []Address {
	all := s.Addresses()
	if len(filters) == 0 {
		return all
	}
	var out []Address
	for _, a := range all {
		for _, f := range filters {
			if f.Covers(a) {
				out = append(out, a)
				break
			}
		}
	}
	return out
}

// Covers reports whether a is f or lies under it (model.X covers its
// versions and aliases, dataset.X its snapshots), for filtering lists. A
// block name without a key covers its instances too, as in Terraform:
// model.churn covers model.churn["eu"] and model.churn["eu"]@3.
func (f Address) Covers(a Address) bool {
	if f == a {
		return true
	}
	if f.Kind == AddrModule {
		return inModule(f.Name, a.Name)
	}
	if _, fsfx := objname.Split(f.Name); fsfx == "" && (f.Kind == AddrModel || f.Kind == AddrDataset) {
		if base, sfx := objname.Split(a.Name); sfx != "" && base == f.Name {
			inst := f
			inst.Name = a.Name
			return inst.Covers(a)
		}
	}
	if f.Kind == AddrDataset {
		return a.Kind == AddrSnapshot && a.Name == f.Name
	}
	return f.Kind == AddrModel && a.Name == f.Name && (a.Kind == AddrVersion || a.Kind == AddrAlias)
}

// inModule reports whether name lies under the module path: in the
// instance it names, or, for a call without a key, in any of its
// instances (module.region covers module.region["eu"].churn).
func inModule(path, name string) bool {
	if strings.HasPrefix(name, path+".") {
		return true
	}
	return !strings.HasSuffix(path, "]") && strings.HasPrefix(name, path+"[")
}

// ModuleContents expands a module address into the models and datasets
// recorded under it, models first (a dataset their versions used can then
// go with them). It is an error when nothing is recorded there.
func (s *State) ModuleContents(a Address) ([]Address, error) {
	var out []Address
	for _, name := range slices.Sorted(maps.Keys(s.Models)) {
		if inModule(a.Name, name) {
			out = append(out, Address{Kind: AddrModel, Name: name})
		}
	}
	for _, name := range slices.Sorted(maps.Keys(s.Datasets)) {
		if inModule(a.Name, name) {
			out = append(out, Address{Kind: AddrDataset, Name: name})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: nothing is recorded under this module", a)
	}
	return out, nil
}

// Lookup returns what a names: *Dataset, *Snapshot, *Model, *Version or
// *Alias. A snapshot is looked up in its dataset's history only (not among
// retained snapshots, which no address names); an ambiguous prefix is an
// error listing the candidates.
func (s *State) Lookup(a Address) (any, error) {
	switch a.Kind {
	case AddrSnapshot:
		return s.resolveSnapshot(a)
	case AddrDataset:
		if d := s.Datasets[a.Name]; d != nil {
			return d, nil
		}
	case AddrModel:
		if m := s.Models[a.Name]; m != nil {
			return m, nil
		}
	case AddrVersion:
		if m := s.Models[a.Name]; m != nil {
			if v := m.Version(a.Version); v != nil {
				return v, nil
			}
		}
	case AddrAlias:
		if m := s.Models[a.Name]; m != nil {
			if al := m.Aliases[a.Alias]; al != nil {
				return al, nil
			}
		}
	}
	if insts := s.instancesOf(a); len(insts) > 0 {
		return nil, fmt.Errorf("%s is not in the state; its instances are: %s (name one)", a, strings.Join(insts, ", "))
	}
	return nil, fmt.Errorf("%s is not in the state", a)
}

// instancesOf lists the recorded instances of the block a names
// (model.churn -> model.churn["eu"], ...), for messages; none for an
// address with a key or of another kind.
func (s *State) instancesOf(a Address) []string {
	if _, sfx := objname.Split(a.Name); sfx != "" {
		return nil
	}
	var names []string
	switch a.Kind {
	case AddrModel, AddrVersion, AddrAlias:
		names = slices.Collect(maps.Keys(s.Models))
	case AddrDataset, AddrSnapshot:
		names = slices.Collect(maps.Keys(s.Datasets))
	}
	var out []string
	for _, n := range slices.Sorted(slices.Values(names)) {
		if base, sfx := objname.Split(n); sfx != "" && base == a.Name {
			inst := a
			inst.Name = n
			out = append(out, inst.String())
		}
	}
	const show = 10
	if len(out) > show {
		out = append(out[:show], fmt.Sprintf("and %d more", len(out)-show))
	}
	return out
}

// Version returns version n of the model, or nil.
func (m *Model) Version(n int) *Version {
	for _, v := range m.Versions {
		if v.Version == n {
			return v
		}
	}
	return nil
}

// NextVersion is the number the model's next training attempt gets, also
// for a model not recorded yet or removed with `state rm` (plans show it
// before apply creates the model).
func (s *State) NextVersion(model string) int {
	if m := s.Models[model]; m != nil {
		return max(m.NextVersion, 1)
	}
	return max(s.RemovedModels[model], 1)
}

// EnsureModel returns the named model, creating it when absent. A model
// created again after `state rm` continues its version numbers.
func (s *State) EnsureModel(name string) *Model {
	if m := s.Models[name]; m != nil {
		return m
	}
	if s.Models == nil {
		s.Models = map[string]*Model{}
	}
	next := max(s.RemovedModels[name], 1)
	delete(s.RemovedModels, name)
	m := &Model{Name: name, NextVersion: next, Versions: []*Version{}, Aliases: map[string]*Alias{}}
	s.Models[name] = m
	return m
}

// InUseError is Remove refusing to forget a dataset or snapshot that
// recorded versions still use (their lineage would point at data gc may
// delete), or a version an alias points at.
type InUseError struct {
	Addr Address
	// Users lists the versions using it, or the alias pointing at it.
	Users []Address
	// Alias is true when Users is an alias (no -force overrides that).
	Alias bool
	// Pending describes the jobs not collected yet that read it (a
	// running train attempt or evaluation).
	Pending []string
}

func (e *InUseError) Error() string {
	names := make([]string, len(e.Users))
	for i, u := range e.Users {
		names[i] = u.String()
	}
	if e.Alias {
		u := e.Users[0]
		return fmt.Sprintf("%s is where alias %s points: move it (or `mlform state rm %s`) first", e.Addr, u.Alias, objname.ShellArg(u.String()))
	}
	const show = 10
	list := strings.Join(names[:min(len(names), show)], ", ")
	if len(names) > show {
		list += fmt.Sprintf(" and %d more", len(names)-show)
	}
	if len(e.Pending) > 0 {
		jobs := strings.Join(e.Pending[:min(len(e.Pending), show)], ", ")
		if len(e.Pending) > show {
			jobs += fmt.Sprintf(" and %d more", len(e.Pending)-show)
		}
		if len(names) > 0 {
			jobs = fmt.Sprintf("recorded %s %s and by %s", plural(len(names), "version", "versions"), list, jobs)
		}
		return fmt.Sprintf("%s is used by %s: let the next apply collect the jobs (and remove the versions) first, or use -force to forget it anyway (the snapshots they use stay recorded, so gc keeps their data)", e.Addr, jobs)
	}
	return fmt.Sprintf("%s is used by recorded %s %s: remove %s first, or use -force to forget it anyway (the snapshots %s stay recorded, so gc keeps their data and reproduce and pull still work)",
		e.Addr, plural(len(names), "version", "versions"), list, plural(len(names), "it", "them"), plural(len(names), "that version uses", "those versions use"))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Remove forgets what a names. Store objects (snapshots, artifacts, logs)
// are untouched; `mlform gc` decides about them. Lineage is protected: a
// dataset or snapshot a recorded version uses is refused with an
// *InUseError naming the versions (ForceRemove forgets it but keeps the
// snapshot records those versions use), and so is a version an alias
// points at (move or remove the alias first), and a model with jobs no
// apply has collected (ForceRemove forgets them). A removed model's next
// version number is remembered so numbers are never reused.
func (s *State) Remove(a Address) error { return s.remove(a, false) }

// ForceRemove is Remove for a dataset or snapshot that versions use: it
// leaves the dataset's history, but the snapshot records those versions
// use move to RetainedSnapshots, so gc keeps their data and reproduce and
// pull of those versions still work. Other addresses behave as in Remove.
func (s *State) ForceRemove(a Address) error { return s.remove(a, true) }

// uncollectedJobs refuses to forget model m while jobs it submitted are
// not collected: their results would be recorded nowhere, and their
// outputs kept in the store by nothing but the job's own root.
func uncollectedJobs(a Address, m *Model) error {
	// An evaluation job is one too (the dataset it reads is kept for it
	// as for a train job): forgetting the model forgot it silently.
	jobs, evaluations := m.UncollectedJobs()
	forgets := plural(len(jobs), "that version and its result", "those versions and their results")
	if evaluations > 0 {
		forgets = plural(len(jobs), "that job and its result", "those jobs and their results")
	}
	if len(jobs) == 0 {
		return nil
	}
	return fmt.Errorf("%s has %s no apply has collected yet: %s; forgetting the model forgets %s: let an apply collect %s first (declare the model again if its block was removed), or use -force to forget it anyway",
		a, plural(len(jobs), "a job", "jobs"), strings.Join(jobs, ", "), forgets, plural(len(jobs), "it", "them"))
}

func (s *State) remove(a Address, force bool) error {
	obj, err := s.Lookup(a)
	if err != nil {
		return err
	}
	switch a.Kind {
	case AddrDataset:
		d := s.Datasets[a.Name]
		if err := s.retainUsed(a, d.Name, d.Snapshots, force); err != nil {
			return err
		}
		delete(s.Datasets, a.Name)
	case AddrSnapshot:
		sn := obj.(*Snapshot)
		d := s.Datasets[a.Name]
		if err := s.retainUsed(a, d.Name, []*Snapshot{sn}, force); err != nil {
			return err
		}
		kept := make([]*Snapshot, 0, len(d.Snapshots))
		for _, x := range d.Snapshots {
			if x.ID != sn.ID {
				kept = append(kept, x)
			}
		}
		d.Snapshots = kept
	case AddrModel:
		if err := uncollectedJobs(a, s.Models[a.Name]); err != nil && !force {
			return err
		}
		if s.RemovedModels == nil {
			s.RemovedModels = map[string]int{}
		}
		s.RemovedModels[a.Name] = s.Models[a.Name].NextVersion
		delete(s.Models, a.Name)
	case AddrAlias:
		delete(s.Models[a.Name].Aliases, a.Alias)
	case AddrVersion:
		m := s.Models[a.Name]
		for _, alias := range slices.Sorted(maps.Keys(m.Aliases)) {
			if m.Aliases[alias].Version == a.Version {
				return &InUseError{Addr: a, Users: []Address{{Kind: AddrAlias, Name: a.Name, Alias: alias}}, Alias: true}
			}
		}
		kept := m.Versions[:0]
		for _, v := range m.Versions {
			if v.Version != a.Version {
				kept = append(kept, v)
			}
		}
		m.Versions = kept
		evals := m.Evaluations[:0]
		for _, e := range m.Evaluations {
			if e.Version != a.Version {
				evals = append(evals, e)
			}
		}
		m.Evaluations = evals
		m.Evaluating = without(m.Evaluating, func(e *RunningEvaluation) bool { return e == nil || e.Version == a.Version })
		m.dropApprovals(a.Version)
		m.dropAwaiting(a.Version)
	}
	s.pruneRetained()
	return nil
}
