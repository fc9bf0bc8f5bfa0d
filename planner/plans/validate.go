package plans

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/mlform/mlform/internal/dag"
	"github.com/mlform/mlform/internal/hexid"
	"github.com/mlform/mlform/internal/objname"
	"github.com/mlform/mlform/internal/relpath"
)

// Validation limits for untrusted plans.
const (
	maxNameLen = 128
)

// ValidatePlan checks every field apply will trust: addresses, kinds,
// reasons, ids, and the observed file list (clean relative paths only, so
// nothing read from a plan can make apply touch a file outside its source).
func ValidatePlan(p *Plan) error {
	if p == nil {
		return fmt.Errorf("no plan")
	}
	if p.FormatVersion != PlanFormatVersion {
		return fmt.Errorf("format_version %d, want %d", p.FormatVersion, PlanFormatVersion)
	}
	if p.Lineage != "" && !isLineage(p.Lineage) {
		return fmt.Errorf("lineage %q is not a state lineage id", Truncate(p.Lineage))
	}
	if p.ConfigDigest != "" && !isHex(p.ConfigDigest) {
		return fmt.Errorf("config_digest %q is not a hex digest", Truncate(p.ConfigDigest))
	}
	for _, t := range append(append([]string(nil), p.Targets...), p.Replace...) {
		if objname.ValidModulePath(t, isName) {
			continue // a whole module as -target
		}
		if err := validAddr(t); err != nil {
			return fmt.Errorf("target: %w", err)
		}
	}
	if err := validateMoves(p.Moves); err != nil {
		return err
	}
	addrs := map[string]bool{}
	ids := map[string]bool{}
	for i, a := range p.Actions {
		if a == nil {
			return fmt.Errorf("action %d is empty", i)
		}
		if err := ValidateAction(a); err != nil {
			return fmt.Errorf("action %d (%s %s): %w", i, Truncate(a.Kind), Truncate(a.Addr), err)
		}
		if ids[a.ID()] {
			return fmt.Errorf("action %d: %s %s appears twice", i, a.Kind, a.Addr)
		}
		ids[a.ID()] = true
		addrs[a.Addr] = true
	}
	for _, a := range p.Actions {
		for _, d := range a.DependsOn {
			if !addrs[d] {
				return fmt.Errorf("%s %s depends on %q, which has no action in this plan", a.Kind, a.Addr, Truncate(d))
			}
			if d == a.Addr {
				return fmt.Errorf("%s %s depends on itself", a.Kind, a.Addr)
			}
		}
	}
	if _, err := ActionOrder(p.Actions); err != nil {
		return err
	}
	if err := validateVariables(p.Variables); err != nil {
		return err
	}
	for i, n := range p.Notes {
		if n == nil {
			return fmt.Errorf("note %d is empty", i)
		}
		if n.Addr != "" {
			if err := validAddr(n.Addr); err != nil {
				return fmt.Errorf("note %d: %w", i, err)
			}
		}
	}
	for i, o := range p.Outputs {
		if o == nil || !isObjName(o.Name) {
			return fmt.Errorf("output %d: invalid name", i)
		}
	}
	return nil
}

func ValidateAction(a *Action) error {
	if !knownKinds[a.Kind] {
		return fmt.Errorf("unknown action kind %q", Truncate(a.Kind))
	}
	if err := validAddr(a.Addr); err != nil {
		return err
	}
	if len(a.Reasons) == 0 {
		return fmt.Errorf("no reasons")
	}
	for _, r := range a.Reasons {
		if !isName(string(r.Code)) {
			return fmt.Errorf("invalid reason code %q", Truncate(string(r.Code)))
		}
	}
	for _, d := range a.DependsOn {
		if err := validAddr(d); err != nil {
			return fmt.Errorf("depends_on: %w", err)
		}
	}
	payloads := 0
	for _, set := range []bool{a.Snapshot != nil, a.Train != nil, a.Evaluate != nil, a.Promote != nil, a.Publish != nil, a.Remove != nil, a.Forget != nil} {
		if set {
			payloads++
		}
	}
	if payloads > 1 {
		return fmt.Errorf("more than one change payload")
	}
	switch a.Kind {
	case KindSnapshot:
		if a.Snapshot == nil {
			return fmt.Errorf("snapshot action without snapshot details")
		}
		if AddrKind(a.Addr) != "dataset" || AddrName(a.Addr) != a.Snapshot.Dataset {
			return fmt.Errorf("snapshot of %q at address %s", Truncate(a.Snapshot.Dataset), a.Addr)
		}
		return validateSnapshot(a.Snapshot)
	case KindTrain:
		if a.Train == nil || a.Train.Version < 1 || AddrKind(a.Addr) != "model" || a.Train.Model != AddrName(a.Addr) {
			return fmt.Errorf("train action needs a model address, its model and a version >= 1")
		}
		return validSnapshotMap(a.Train.Snapshots)
	case KindEvaluate:
		if a.Evaluate == nil || a.Evaluate.Version < 1 || AddrKind(a.Addr) != "model" || a.Evaluate.Model != AddrName(a.Addr) {
			return fmt.Errorf("evaluate action needs a model address, its model and a version >= 1")
		}
		return validSnapshotMap(a.Evaluate.Snapshots)
	case KindPromote:
		if a.Promote == nil || AddrKind(a.Addr) != "promotion" || a.Promote.Promotion != AddrName(a.Addr) || !isName(a.Promote.Alias) || !isObjName(a.Promote.Model) {
			return fmt.Errorf("promote action needs a promotion address, a model and an alias")
		}
		if a.Promote.From < 0 || a.Promote.To < 0 {
			return fmt.Errorf("negative version")
		}
	case KindPublish:
		if a.Publish == nil || AddrKind(a.Addr) != "promotion" || a.Publish.Promotion != AddrName(a.Addr) || !isObjName(a.Publish.Model) || a.Publish.Version < 0 {
			return fmt.Errorf("publish action needs a promotion address")
		}
	case KindRemove:
		if a.Remove == nil {
			return fmt.Errorf("remove action without details")
		}
	case KindForget:
		return validateForget(a)
	}
	return nil
}

func validateSnapshot(s *SnapshotChange) error {
	if !isObjName(s.Store) {
		return fmt.Errorf("invalid store name %q", Truncate(s.Store))
	}
	if s.OldID != "" && !isHex(s.OldID) {
		return fmt.Errorf("old_id %q is not a hex id", Truncate(s.OldID))
	}
	if !isHex(s.NewID) {
		return fmt.Errorf("new_id %q is not a hex id", Truncate(s.NewID))
	}
	if s.Files < 0 || s.Bytes < 0 || s.Added < 0 || s.Changed < 0 || s.Removed < 0 {
		return fmt.Errorf("negative count")
	}
	for _, pc := range s.Paths {
		if err := relpath.Check(pc.Path); err != nil {
			return err
		}
		switch pc.Change {
		case "added", "changed", "removed":
		default:
			return fmt.Errorf("path %q: unknown change %q", Truncate(pc.Path), Truncate(pc.Change))
		}
	}
	o := s.Observation
	if o == nil {
		return nil
	}
	if len(o.Files) != s.Files {
		return fmt.Errorf("observation lists %d files, snapshot says %d", len(o.Files), s.Files)
	}
	var total int64
	prev := ""
	for i, f := range o.Files {
		if err := relpath.Check(f.Path); err != nil {
			return err
		}
		if i > 0 && f.Path <= prev {
			return fmt.Errorf("observation: %q is out of order or repeated", Truncate(f.Path))
		}
		prev = f.Path
		if f.Size < 0 {
			return fmt.Errorf("observation: %q has a negative size", Truncate(f.Path))
		}
		if !isHex(f.Hash) {
			return fmt.Errorf("observation: %q has an invalid hash", Truncate(f.Path))
		}
		total += f.Size
		if total < 0 {
			return fmt.Errorf("observation: total size overflows")
		}
	}
	if total != s.Bytes {
		return fmt.Errorf("observation totals %d bytes, snapshot says %d", total, s.Bytes)
	}
	return nil
}

func validSnapshotMap(m map[string]string) error {
	for ds, id := range m {
		if !isObjName(ds) || !isHex(id) {
			return fmt.Errorf("invalid snapshot reference %q = %q", Truncate(ds), Truncate(id))
		}
	}
	return nil
}

// validAddr checks "kind.name" with identifier parts, or the address of
// one snapshot or version ("dataset.NAME@HEXID", "model.NAME@N", what
// forget actions act on).
func validAddr(a string) error {
	if base, at, ok := strings.Cut(a, "@"); ok {
		if _, _, err := splitMemberAddr(base, at); err != nil {
			return err
		}
		return nil
	}
	k, n := AddrKind(a), AddrName(a)
	switch k {
	case "dataset", "model", "promotion", "retrain_policy", "environment", "storage":
	default:
		return fmt.Errorf("invalid address %q", Truncate(a))
	}
	if !isObjName(n) {
		return fmt.Errorf("invalid address %q", Truncate(a))
	}
	return nil
}

// isObjName reports whether s names an object: an identifier, with the
// instance key for_each or count gave it (internal/objname).
func isObjName(s string) bool { return objname.Valid(s, isName) }

// isName reports whether s is an identifier (HCL block label rules,
// restricted to ASCII).
func isName(s string) bool {
	if s == "" || len(s) > maxNameLen {
		return false
	}
	for i, c := range s {
		switch {
		case c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'):
		case i > 0 && (c == '-' || (c >= '0' && c <= '9')):
		default:
			return false
		}
	}
	return true
}

func isHex(s string) bool {
	if len(s) < 8 || len(s) > 128 {
		return false
	}
	return hexid.IsLowerHex(s)
}

func isLineage(s string) bool {
	if len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == '-') {
			return false
		}
	}
	return true
}

// Truncate keeps error messages short when quoting untrusted input.
func Truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

// ActionOrder sorts actions so every dependency comes first (stable: plan
// order among independent actions) and refuses cycles.
func ActionOrder(actions []*Action) ([]*Action, error) {
	idx := make(map[*Action]int, len(actions))
	byAddr := map[string][]*Action{}
	for i, a := range actions {
		idx[a] = i
		byAddr[a.Addr] = append(byAddr[a.Addr], a)
	}
	deps := func(a *Action) []*Action {
		var out []*Action
		for _, d := range a.DependsOn {
			for _, da := range byAddr[d] {
				if da != a {
					out = append(out, da)
				}
			}
		}
		return out
	}
	out, err := dag.Sort(actions, deps, func(a, b *Action) bool { return idx[a] < idx[b] })
	if err != nil {
		return nil, errors.New("plan actions depend on each other in a cycle")
	}
	return out, nil
}

// AddrKind returns the type part of an address ("dataset" for
// "dataset.churn").
func AddrKind(addr string) string {
	if i := strings.IndexByte(addr, '.'); i > 0 {
		return addr[:i]
	}
	return addr
}

// AddrName returns the name part of an address ("churn" for
// "dataset.churn").
func AddrName(addr string) string {
	if i := strings.IndexByte(addr, '.'); i >= 0 {
		return addr[i+1:]
	}
	return ""
}

// validateForget checks a forget action read from a plan file: its
// address names exactly the snapshot or version its payload does.
func validateForget(a *Action) error {
	f := a.Forget
	if f == nil {
		return fmt.Errorf("forget action without details")
	}
	base, at, ok := strings.Cut(a.Addr, "@")
	if !ok {
		return fmt.Errorf("forget action needs dataset.NAME@ID or model.NAME@VERSION, not %s", a.Addr)
	}
	kind, name, err := splitMemberAddr(base, at)
	if err != nil {
		return err
	}
	switch {
	case kind == "dataset" && f.Dataset == name && f.Snapshot == at && f.Model == "" && f.Version == 0 && f.Bytes >= 0:
	case kind == "model" && f.Model == name && strconv.Itoa(f.Version) == at && f.Dataset == "" && f.Snapshot == "" && f.Bytes == 0:
	default:
		return fmt.Errorf("forget action at %s describes another object", a.Addr)
	}
	return nil
}

// splitMemberAddr checks "dataset.NAME" + "@HEXID" or "model.NAME" + "@N".
func splitMemberAddr(base, at string) (kind, name string, err error) {
	kind, name = AddrKind(base), AddrName(base)
	bad := fmt.Errorf("invalid address %q", Truncate(base+"@"+at))
	if !isObjName(name) {
		return "", "", bad
	}
	switch kind {
	case "dataset":
		if !isHex(at) {
			return "", "", bad
		}
	case "model":
		n, err := strconv.Atoi(at)
		if err != nil || n < 1 || strconv.Itoa(n) != at {
			return "", "", bad
		}
	default:
		return "", "", bad
	}
	return kind, name, nil
}
