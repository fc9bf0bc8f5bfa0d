package policy

import (
	"fmt"
	"sort"
	"strings"

	"github.com/mlform/mlform/internal/textfmt"
	"github.com/mlform/mlform/state"
)

// Input kinds: what a change is to, and what a retrain policy's on_change
// lists. A changed train command counts as a code change: it changes what
// runs.
const (
	KindData        = "data"
	KindCode        = "code"
	KindParams      = "params"
	KindEnvironment = "environment"
)

// InputKinds lists the valid on_change values.
var InputKinds = []string{KindData, KindCode, KindParams, KindEnvironment}

// Change is one difference between two versions' inputs.
type Change struct {
	Kind string `json:"kind"` // KindData, KindCode, KindParams or KindEnvironment
	// Path names what changed: "dataset.churn", "code", "command",
	// "params.learning_rate", "environment".
	Path string `json:"path"`
	// Old and New are short renderings ("" when absent).
	Old string `json:"old"`
	New string `json:"new"`
	// Message is the line a reviewer reads:
	// "params.learning_rate: 0.05 -> 0.08".
	Message string `json:"message"`
}

// DiffInputs lists what differs from prev to cur, in a fixed order: data
// (by dataset), code, command, params (by key), environment.
func DiffInputs(prev, cur state.Inputs) []Change {
	var out []Change
	out = append(out, diffSnapshots(prev.Snapshots, cur.Snapshots)...)
	if prev.CodeHash != cur.CodeHash {
		out = append(out, Change{Kind: KindCode, Path: "code", Old: short(prev.CodeHash), New: short(cur.CodeHash),
			Message: codeChangeMessage(prev, cur)})
	}
	if !equalStrings(prev.Command, cur.Command) {
		o, n := quoteCommand(prev.Command), quoteCommand(cur.Command)
		out = append(out, Change{Kind: KindCode, Path: "command", Old: o, New: n,
			Message: fmt.Sprintf("command: %s -> %s", o, n)})
	}
	out = append(out, diffParams(prev.Params, cur.Params)...)
	if prev.EnvFingerprint != cur.EnvFingerprint {
		msg := fmt.Sprintf("environment changed (%s -> %s)", short(prev.EnvFingerprint), short(cur.EnvFingerprint))
		if prev.Environment != cur.Environment && prev.Environment != "" && cur.Environment != "" {
			msg = fmt.Sprintf("environment changed (%s %s -> %s %s)", prev.Environment, short(prev.EnvFingerprint), cur.Environment, short(cur.EnvFingerprint))
		}
		out = append(out, Change{Kind: KindEnvironment, Path: "environment",
			Old: short(prev.EnvFingerprint), New: short(cur.EnvFingerprint), Message: msg})
	}
	return out
}

// diffSnapshots lists datasets whose snapshot differs, was added or
// removed. An empty new id means the snapshot is taken by this plan.
func diffSnapshots(prev, cur map[string]string) []Change {
	var out []Change
	for _, name := range unionKeys(prev, cur) {
		o, inOld := prev[name]
		n, inNew := cur[name]
		if inOld && inNew && o == n {
			continue
		}
		c := Change{Kind: KindData, Path: "dataset." + name, Old: short(o), New: short(n)}
		switch {
		case !inOld:
			c.Message = fmt.Sprintf("dataset.%s added (%s)", name, snapLabel(n))
		case !inNew:
			c.Message = fmt.Sprintf("dataset.%s removed (was %s)", name, snapLabel(o))
		default:
			c.Message = fmt.Sprintf("dataset.%s %s -> %s", name, snapLabel(o), snapLabel(n))
		}
		out = append(out, c)
	}
	return out
}

// diffParams lists params whose canonical value differs, one per
// top-level key.
func diffParams(prev, cur map[string]any) []Change {
	var out []Change
	for _, k := range unionKeys(prev, cur) {
		o, inOld := prev[k]
		n, inNew := cur[k]
		ov, nv := "(none)", "(removed)"
		if inOld {
			ov = formatValue(o)
		}
		if inNew {
			nv = formatValue(n)
		}
		if inOld && inNew && ov == nv {
			continue
		}
		path := "params." + k
		out = append(out, Change{Kind: KindParams, Path: path, Old: ov, New: nv,
			Message: fmt.Sprintf("%s: %s -> %s", path, ov, nv)})
	}
	return out
}

// summarize renders changes of one kind as a single reason line.
func summarize(kind string, cs []Change) string {
	var parts []string
	for _, c := range cs {
		if c.Kind == kind {
			parts = append(parts, c.Message)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	switch kind {
	case KindData:
		return "data changed: " + strings.Join(parts, ", ")
	case KindParams:
		keys := make([]string, 0, len(parts))
		for _, c := range cs {
			if c.Kind == KindParams {
				keys = append(keys, strings.TrimPrefix(c.Path, "params."))
			}
		}
		return "params changed: " + strings.Join(keys, ", ")
	}
	return strings.Join(parts, "; ")
}

// kindsOf returns the distinct kinds in cs, in InputKinds order.
func kindsOf(cs []Change) []string {
	seen := map[string]bool{}
	for _, c := range cs {
		seen[c.Kind] = true
	}
	var out []string
	for _, k := range InputKinds {
		if seen[k] {
			out = append(out, k)
		}
	}
	return out
}

func unionKeys[V any](a, b map[string]V) []string {
	seen := make(map[string]bool, len(a)+len(b))
	var keys []string
	for _, m := range []map[string]V{a, b} {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	return keys
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// quoteCommand renders argv as a JSON array, as written in HCL: without
// Go's HTML escaping, so "a > b" does not read "a \u003e b".
func quoteCommand(c []string) string {
	if c == nil {
		c = []string{}
	}
	return textfmt.JSON(c) // []string always encodes
}

// short abbreviates a hash for display.
func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// snapLabel renders a snapshot id for a reason line; "" is a snapshot this
// plan takes whose id is not known.
func snapLabel(id string) string {
	if id == "" {
		return "new snapshot"
	}
	return short(id)
}
