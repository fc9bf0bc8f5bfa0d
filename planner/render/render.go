// Package render turns a plans.Plan into what people and programs read:
// the human plan (Terraform style, colour only when asked), the versioned
// JSON document described in docs/plan-json.md, and a markdown summary for
// a pull-request comment. All three read the same Plan, so they never
// disagree; none of them ever prints a sensitive value or a plan's raw
// observations.
package render

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/mlform/mlform/internal/termtext"
	"github.com/mlform/mlform/internal/textfmt"
	"github.com/mlform/mlform/planner/plans"
	"github.com/mlform/mlform/state"
)

// Options tune the human and markdown renderings.
type Options struct {
	// Color enables ANSI colour (only on a terminal, never with -no-color
	// or NO_COLOR: the caller decides).
	Color bool
	// MaxPaths is how many changed paths are listed per dataset (default 5).
	MaxPaths int
	// State, when set, is the recorded state the plan was made against:
	// the markdown rendering then adds a metric trend for each model the
	// plan trains (trend.go).
	State *state.State
}

func (o Options) maxPaths() int {
	if o.MaxPaths <= 0 {
		return 5
	}
	return o.MaxPaths
}

// summaryKinds are always counted in the summary line; other kinds appear
// only when present.
var summaryKinds = []string{plans.KindSnapshot, plans.KindTrain, plans.KindPromote, plans.KindRemove}

// extraKinds appear in the summary only when the plan has them.
var extraKinds = []string{plans.KindEvaluate, plans.KindPublish}

// SummaryLine is "1 snapshot, 1 train, 1 promotion, 0 removals" (plus
// evaluations and publications before the removals, and "N to forget"
// after them, when present): the nouns of ApplySummary, counted with
// textfmt.Count so no count reads "0 snapshot".
func SummaryLine(p *plans.Plan) string {
	c := p.Counts()
	var parts []string
	for _, k := range summaryKinds {
		if k == plans.KindRemove {
			for _, e := range extraKinds {
				if c[e] > 0 {
					parts = append(parts, kindCount(c[e], e))
				}
			}
		}
		parts = append(parts, kindCount(c[k], k))
	}
	if n := c[plans.KindForget]; n > 0 {
		parts = append(parts, fmt.Sprintf("%d to forget", n))
	}
	if n := len(p.Moves); n > 0 {
		parts = append(parts, fmt.Sprintf("%d moved", n))
	}
	return strings.Join(parts, ", ")
}

// kindCount is "N <noun>" for an action kind, with the noun of applyNouns.
func kindCount(n int, kind string) string {
	for _, k := range applyNouns {
		if k.kind == kind {
			return textfmt.CountAs(n, k.one, k.many)
		}
	}
	return textfmt.Count(n, kind)
}

// Bytes formats a byte count in binary units: "512 B", "1.2 MiB".
func Bytes(n int64) string { return textfmt.Bytes(n) }

// signedBytes is Bytes with an explicit sign: "+1.2 MiB", "-3 B", "+0 B".
func signedBytes(n int64) string {
	if n < 0 {
		return Bytes(n)
	}
	return "+" + Bytes(n)
}

// SnapshotSummary says what a snapshot changes: "3 files changed, 1 added
// (+1.2 MiB)", or for a first snapshot "first snapshot: 4 files, 1.2 MiB".
func SnapshotSummary(a *plans.Action) string {
	s := a.Snapshot
	if s == nil {
		return reasonText(a.Reasons)
	}
	if s.OldID == "" || s.OldID == s.NewID {
		return snapshotSummary(a)
	}
	// The data changed; any other reason (the storage changed too) is
	// said after the counts.
	sum := snapshotSummary(a)
	for _, r := range a.Reasons {
		if r.Code != plans.ReasonDataChanged && r.Message != "" {
			sum += "; " + r.Message
		}
	}
	return sum
}

func snapshotSummary(a *plans.Action) string {
	s := a.Snapshot
	if s.OldID == "" {
		return fmt.Sprintf("first snapshot, %s (%s)", plural(s.Files, "file"), Bytes(s.Bytes))
	}
	if s.OldID == s.NewID {
		// Same content, another storage block: the reason says which.
		return fmt.Sprintf("%s, %s (%s)", reasonText(a.Reasons), plural(s.Files, "file"), Bytes(s.Bytes))
	}
	if !s.DiffKnown {
		return fmt.Sprintf("data changed, now %s (%s)", plural(s.Files, "file"), Bytes(s.Bytes))
	}
	var parts []string
	if s.Changed > 0 {
		parts = append(parts, plural(s.Changed, "file")+" changed")
	}
	if s.Added > 0 {
		if len(parts) == 0 {
			parts = append(parts, plural(s.Added, "file")+" added")
		} else {
			parts = append(parts, fmt.Sprintf("%d added", s.Added))
		}
	}
	if s.Removed > 0 {
		if len(parts) == 0 {
			parts = append(parts, plural(s.Removed, "file")+" removed")
		} else {
			parts = append(parts, fmt.Sprintf("%d removed", s.Removed))
		}
	}
	if len(parts) == 0 {
		parts = append(parts, "file metadata changed")
	}
	return fmt.Sprintf("%s (%s)", strings.Join(parts, ", "), signedBytes(s.AddedBytes+s.ChangedBytes-s.RemovedBytes))
}

// Headline is the "# ..." comment above an action.
func Headline(a *plans.Action) string {
	switch a.Kind {
	case plans.KindSnapshot:
		return a.Addr + " will be snapshotted: " + SnapshotSummary(a)
	case plans.KindTrain:
		if a.Train != nil && a.Train.Collect {
			// "model.churn v5 running as slurm job 1234 on node-3 for 2h; apply collects it"
			return a.Addr + " " + reasonText(a.Reasons)
		}
		verb := "retrained"
		if hasReason(a, plans.ReasonNew) {
			verb = "trained"
		}
		return a.Addr + " will be " + verb + ": " + reasonText(a.Reasons)
	case plans.KindEvaluate:
		return a.Addr + " will be evaluated on current data: " + reasonText(a.Reasons)
	case plans.KindPromote:
		return a.Addr + ": " + reasonText(a.Reasons)
	case plans.KindPublish:
		return a.Addr + " will be published: " + reasonText(a.Reasons)
	case plans.KindRemove:
		return a.Addr + " will be removed from state: " + reasonText(a.Reasons)
	case plans.KindForget:
		what := "state only; mlform gc frees its data"
		if a.Forget != nil && a.Forget.Bytes > 0 {
			what = fmt.Sprintf("state only; mlform gc frees up to %s", Bytes(a.Forget.Bytes))
		}
		return plans.ForgetLabel(a) + " will be forgotten by retention (" + what + ")"
	}
	return a.Addr + ": " + reasonText(a.Reasons)
}

// symbol is the change marker of an action: + creates, ~ updates, - removes.
func symbol(a *plans.Action) string {
	switch a.Kind {
	case plans.KindPromote:
		if a.Promote != nil && a.Promote.From == 0 {
			return "+"
		}
		return "~"
	case plans.KindRemove, plans.KindForget:
		return "-"
	}
	return "+"
}

// ActionLine is the line under the headline: "+ snapshot dataset.churn",
// "+ train model.churn -> v6", "~ promote model.churn@production: v5 -> v6
// (known after apply)".
func ActionLine(a *plans.Action) string {
	sym := symbol(a)
	switch a.Kind {
	case plans.KindTrain:
		if a.Train != nil && a.Train.Collect {
			return fmt.Sprintf("%s collect %s v%d", sym, a.Addr, a.Train.Version)
		}
		if a.Train != nil {
			return fmt.Sprintf("%s train %s -> v%d", sym, a.Addr, a.Train.Version)
		}
	case plans.KindEvaluate:
		if a.Evaluate != nil {
			return fmt.Sprintf("%s evaluate %s@%d", sym, a.Addr, a.Evaluate.Version)
		}
	case plans.KindPromote:
		if p := a.Promote; p != nil {
			from := "(none)"
			if p.From > 0 {
				from = "v" + strconv.Itoa(p.From)
			}
			to := "(known after apply)"
			if p.To > 0 {
				to = "v" + strconv.Itoa(p.To)
				if p.KnownAfterApply {
					to += " (known after apply)"
				}
			}
			return fmt.Sprintf("%s promote model.%s@%s: %s -> %s", sym, p.Model, p.Alias, from, to)
		}
	case plans.KindPublish:
		if p := a.Publish; p != nil {
			v := "(known after apply)"
			if p.Version > 0 {
				v = "v" + strconv.Itoa(p.Version)
			}
			return fmt.Sprintf("%s publish model.%s %s to %s", sym, p.Model, v, p.URL)
		}
	case plans.KindForget:
		return fmt.Sprintf("%s forget %s: %s", sym, plans.ForgetLabel(a), forgetWhy(a))
	}
	return fmt.Sprintf("%s %s %s", sym, a.Kind, a.Addr)
}

// DetailLines are the indented lines under an action: changed paths of a
// snapshot, changed params of a train.
func DetailLines(a *plans.Action, o Options) []string {
	var out []string
	if s := a.Snapshot; s != nil {
		for _, pc := range s.Paths {
			if len(out) >= o.maxPaths() {
				break
			}
			out = append(out, fmt.Sprintf("%s %s (%s)", pathSymbol(pc.Change), termtext.QuotePath(pc.Path), signedBytes(pc.Delta)))
		}
		if s.DiffKnown {
			if more := s.Added + s.Changed + s.Removed - len(out); more > 0 {
				out = append(out, fmt.Sprintf("... and %d more", more))
			}
		}
	}
	if t := a.Train; t != nil {
		for _, c := range t.ParamChanges {
			out = append(out, ChangeLine(c))
		}
	}
	return out
}

// ChangeLine renders one attribute change, hiding sensitive values.
func ChangeLine(c plans.Change) string {
	switch {
	case !c.HasOld() && c.HasNew():
		return fmt.Sprintf("+ %s: %s", c.Path, Value(c.New, c.Sensitive))
	case c.HasOld() && !c.HasNew():
		return fmt.Sprintf("- %s: %s", c.Path, Value(c.Old, c.Sensitive))
	}
	return fmt.Sprintf("~ %s: %s -> %s", c.Path, Value(c.Old, c.Sensitive), Value(c.New, c.Sensitive))
}

// Value formats a config value the way HCL would write it; sensitive
// values are never shown.
func Value(v any, sensitive bool) string {
	if sensitive {
		return "(sensitive value)"
	}
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return strconv.Quote(x)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case map[string]any:
		keys := slices.Sorted(maps.Keys(x))
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + " = " + Value(x[k], false)
		}
		return "{ " + strings.Join(parts, ", ") + " }"
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = Value(e, false)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	b, err := textfmt.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func pathSymbol(change string) string {
	switch change {
	case "added":
		return "+"
	case "removed":
		return "-"
	}
	return "~"
}

func reasonText(rs []plans.Reason) string {
	msgs := make([]string, 0, len(rs))
	for _, r := range rs {
		m := r.Message
		if m == "" {
			m = strings.ReplaceAll(string(r.Code), "_", " ")
		}
		msgs = append(msgs, m)
	}
	return strings.Join(msgs, "; ")
}

// forgetWhy lists why retention forgets something, as one clause:
// "older than 90d, used by no kept version".
func forgetWhy(a *plans.Action) string {
	msgs := make([]string, 0, len(a.Reasons))
	for _, r := range a.Reasons {
		msgs = append(msgs, r.Message)
	}
	return strings.Join(msgs, ", ")
}

func hasReason(a *plans.Action, c plans.ReasonCode) bool {
	for _, r := range a.Reasons {
		if r.Code == c {
			return true
		}
	}
	return false
}

func plural(n int, word string) string { return textfmt.Count(n, word) }

// CountFiles is "1 file" or "N files".
func CountFiles(n int) string { return plural(n, "file") }
