package planner

import (
	"fmt"
	"path"
	"strings"

	"github.com/mlform/mlform/internal/hexid"
)

// Validation limits for untrusted plans.
const (
	maxNameLen = 128
	maxPathLen = 4096
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
		return fmt.Errorf("lineage %q is not a state lineage id", truncate(p.Lineage))
	}
	if p.ConfigDigest != "" && !isHex(p.ConfigDigest) {
		return fmt.Errorf("config_digest %q is not a hex digest", truncate(p.ConfigDigest))
	}
	for _, t := range append(append([]string(nil), p.Targets...), p.Replace...) {
		if err := validAddr(t); err != nil {
			return fmt.Errorf("target: %w", err)
		}
	}
	addrs := map[string]bool{}
	ids := map[string]bool{}
	for i, a := range p.Actions {
		if a == nil {
			return fmt.Errorf("action %d is empty", i)
		}
		if err := validateAction(a); err != nil {
			return fmt.Errorf("action %d (%s %s): %w", i, truncate(a.Kind), truncate(a.Addr), err)
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
				return fmt.Errorf("%s %s depends on %q, which has no action in this plan", a.Kind, a.Addr, truncate(d))
			}
			if d == a.Addr {
				return fmt.Errorf("%s %s depends on itself", a.Kind, a.Addr)
			}
		}
	}
	if _, err := actionOrder(p.Actions); err != nil {
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
		if o == nil || !isName(o.Name) {
			return fmt.Errorf("output %d: invalid name", i)
		}
	}
	return nil
}

func validateAction(a *Action) error {
	if !knownKinds[a.Kind] {
		return fmt.Errorf("unknown action kind %q", truncate(a.Kind))
	}
	if err := validAddr(a.Addr); err != nil {
		return err
	}
	if len(a.Reasons) == 0 {
		return fmt.Errorf("no reasons")
	}
	for _, r := range a.Reasons {
		if !isName(string(r.Code)) {
			return fmt.Errorf("invalid reason code %q", truncate(string(r.Code)))
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
		if addrKind(a.Addr) != "dataset" || addrName(a.Addr) != a.Snapshot.Dataset {
			return fmt.Errorf("snapshot of %q at address %s", truncate(a.Snapshot.Dataset), a.Addr)
		}
		return validateSnapshot(a.Snapshot)
	case KindTrain:
		if a.Train == nil || a.Train.Version < 1 || addrKind(a.Addr) != "model" || a.Train.Model != addrName(a.Addr) {
			return fmt.Errorf("train action needs a model address, its model and a version >= 1")
		}
		return validSnapshotMap(a.Train.Snapshots)
	case KindEvaluate:
		if a.Evaluate == nil || a.Evaluate.Version < 1 || addrKind(a.Addr) != "model" || a.Evaluate.Model != addrName(a.Addr) {
			return fmt.Errorf("evaluate action needs a model address, its model and a version >= 1")
		}
		return validSnapshotMap(a.Evaluate.Snapshots)
	case KindPromote:
		if a.Promote == nil || addrKind(a.Addr) != "promotion" || a.Promote.Promotion != addrName(a.Addr) || !isName(a.Promote.Alias) || !isName(a.Promote.Model) {
			return fmt.Errorf("promote action needs a promotion address, a model and an alias")
		}
		if a.Promote.From < 0 || a.Promote.To < 0 {
			return fmt.Errorf("negative version")
		}
	case KindPublish:
		if a.Publish == nil || addrKind(a.Addr) != "promotion" || a.Publish.Promotion != addrName(a.Addr) || !isName(a.Publish.Model) || a.Publish.Version < 0 {
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
	if !isName(s.Store) {
		return fmt.Errorf("invalid store name %q", truncate(s.Store))
	}
	if s.OldID != "" && !isHex(s.OldID) {
		return fmt.Errorf("old_id %q is not a hex id", truncate(s.OldID))
	}
	if !isHex(s.NewID) {
		return fmt.Errorf("new_id %q is not a hex id", truncate(s.NewID))
	}
	if s.Files < 0 || s.Bytes < 0 || s.Added < 0 || s.Changed < 0 || s.Removed < 0 {
		return fmt.Errorf("negative count")
	}
	for _, pc := range s.Paths {
		if err := validRelPath(pc.Path); err != nil {
			return err
		}
		switch pc.Change {
		case "added", "changed", "removed":
		default:
			return fmt.Errorf("path %q: unknown change %q", truncate(pc.Path), truncate(pc.Change))
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
		if err := validRelPath(f.Path); err != nil {
			return err
		}
		if i > 0 && f.Path <= prev {
			return fmt.Errorf("observation: %q is out of order or repeated", truncate(f.Path))
		}
		prev = f.Path
		if f.Size < 0 {
			return fmt.Errorf("observation: %q has a negative size", truncate(f.Path))
		}
		if !isHex(f.Hash) {
			return fmt.Errorf("observation: %q has an invalid hash", truncate(f.Path))
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
		if !isName(ds) || !isHex(id) {
			return fmt.Errorf("invalid snapshot reference %q = %q", truncate(ds), truncate(id))
		}
	}
	return nil
}

// validRelPath accepts only clean, relative, slash-separated paths that stay
// inside their root.
func validRelPath(p string) error {
	switch {
	case p == "" || len(p) > maxPathLen:
		return fmt.Errorf("invalid path %q", truncate(p))
	case strings.HasPrefix(p, "/") || strings.Contains(p, "\\") || strings.ContainsRune(p, 0):
		return fmt.Errorf("path %q is not a relative slash path", truncate(p))
	case path.Clean(p) != p || p == "." || p == ".." || strings.HasPrefix(p, "../"):
		return fmt.Errorf("path %q is not clean or escapes its root", truncate(p))
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
	k, n := addrKind(a), addrName(a)
	switch k {
	case "dataset", "model", "promotion", "retrain_policy", "environment", "storage":
	default:
		return fmt.Errorf("invalid address %q", truncate(a))
	}
	if !isName(n) {
		return fmt.Errorf("invalid address %q", truncate(a))
	}
	return nil
}

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

// truncate keeps error messages short when quoting untrusted input.
func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}
