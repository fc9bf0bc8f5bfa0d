package query

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/mlform/mlform/internal/textfmt"
	"github.com/mlform/mlform/planner/policy"
	"github.com/mlform/mlform/state"
)

// LineageReport is `mlform lineage model.NAME@V`: everything the version
// was made from and what it produced.
type LineageReport struct {
	Model   string         `json:"model"`
	Version *state.Version `json:"version"`
	// Aliases point at the version now.
	Aliases []string `json:"aliases,omitempty"`
	// Snapshots details each input snapshot as recorded for its dataset.
	Snapshots []SnapshotRef `json:"snapshots"`
	// Previous is the succeeded version before this one (0: none) and
	// Changes what differs from it.
	Previous int             `json:"previous,omitempty"`
	Changes  []policy.Change `json:"changes,omitempty"`
	// Evaluations are this version's evaluate-step runs (promotion
	// comparisons, metric triggers), oldest first.
	Evaluations []*state.Evaluation `json:"evaluations,omitempty"`
	// Approvals are the `mlform approve` records of this version.
	Approvals []*state.Approval `json:"approvals,omitempty"`
}

// SnapshotRef is one input snapshot.
type SnapshotRef struct {
	Dataset string `json:"dataset"`
	ID      string `json:"id"`
	// Recorded is false when the dataset's history no longer holds the
	// snapshot (e.g. after `state rm`); the id stays authoritative.
	Recorded bool            `json:"recorded"`
	Snapshot *state.Snapshot `json:"snapshot,omitempty"`
	// TrainedAs is the dataset's name when the version was trained, when
	// a moved block renamed it since (the version's trained_as).
	TrainedAs string `json:"trained_as,omitempty"`
}

// Lineage gathers a version's lineage. addr is model.NAME@V or
// model.NAME@ALIAS.
func Lineage(s *state.State, addr string) (*LineageReport, error) {
	m, v, err := ResolveVersion(s, "lineage", addr)
	if err != nil {
		return nil, err
	}
	r := &LineageReport{Model: m.Name, Version: v, Aliases: aliasesAt(m, v.Version), Snapshots: []SnapshotRef{}}
	for _, ds := range slices.Sorted(maps.Keys(v.Inputs.Snapshots)) {
		ref := SnapshotRef{Dataset: ds, ID: v.Inputs.Snapshots[ds]}
		if old := v.TrainedDataset(ds); old != ds {
			ref.TrainedAs = old
		}
		if sn := s.FindSnapshot(ds, ref.ID); sn != nil {
			ref.Recorded, ref.Snapshot = true, sn
		}
		r.Snapshots = append(r.Snapshots, ref)
	}
	for _, ev := range m.Evaluations {
		if ev != nil && ev.Version == v.Version {
			r.Evaluations = append(r.Evaluations, ev)
		}
	}
	for _, ap := range m.Approvals {
		if ap != nil && ap.Version == v.Version {
			r.Approvals = append(r.Approvals, ap)
		}
	}
	if prev := previousSucceeded(m, v.Version); prev != nil {
		r.Previous = prev.Version
		r.Changes = policy.DiffInputs(prev.Inputs, v.Inputs)
	}
	return r, nil
}

// previousSucceeded returns the highest succeeded version below n.
func previousSucceeded(m *state.Model, n int) *state.Version {
	var best *state.Version
	for _, v := range m.Versions {
		if v.Version < n && v.Status == state.StatusSucceeded && (best == nil || v.Version > best.Version) {
			best = v
		}
	}
	return best
}

// WriteLineage renders a lineage report.
func WriteLineage(w io.Writer, r *LineageReport) error {
	v := r.Version
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "# model.%s@%d\n", clean(r.Model), v.Version)
	fmt.Fprintf(tw, "status:\t%s\n", clean(v.Status))
	fmt.Fprintf(tw, "aliases:\t%s\n", orDash(strings.Join(r.Aliases, ", ")))
	if v.Description != "" {
		fmt.Fprintf(tw, "description:\t%s\n", clean(v.Description))
	}
	fmt.Fprintf(tw, "started:\t%s\n", stamp(v.StartedAt))
	fmt.Fprintf(tw, "ended:\t%s\n", stamp(v.EndedAt))
	fmt.Fprintf(tw, "exit code:\t%d\n", v.ExitCode)
	if v.Error != "" {
		fmt.Fprintf(tw, "error:\t%s\n", clean(v.Error))
	}
	if old := v.TrainedModel(r.Model); old != r.Model {
		// A moved block renamed the model since: its step saw this name.
		fmt.Fprintf(tw, "trained as:\tmodel.%s\n", clean(old))
	}
	fmt.Fprintf(tw, "ran by:\t%s on %s\n", orDash(v.User), orDash(v.Host))
	fmt.Fprintf(tw, "git commit:\t%s\n", orDash(v.GitCommit))
	fmt.Fprintf(tw, "plan digest:\t%s\n", orDash(v.PlanDigest))
	fmt.Fprintf(tw, "store:\t%s\n", orDash(v.Store))
	fmt.Fprintf(tw, "artifacts:\t%s\n", orDash(v.ArtifactsID))
	fmt.Fprintf(tw, "logs:\t%s\n", orDash(v.LogsID))
	fmt.Fprintf(tw, "code archive:\t%s\n", orDash(v.CodeID))
	if v.Job != "" {
		fmt.Fprintf(tw, "job:\t%s\n", clean(v.Job))
	}
	tw.Flush()

	in := v.Inputs
	fmt.Fprintln(w, "\ninputs:")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, sn := range r.Snapshots {
		detail := "(no longer recorded in dataset history)"
		if sn.Recorded {
			detail = fmt.Sprintf("taken %s, %s, %s", stamp(sn.Snapshot.CreatedAt), textfmt.Files(sn.Snapshot.Files), textfmt.Count(int(sn.Snapshot.Bytes), "byte"))
		}
		if sn.TrainedAs != "" {
			detail += ", trained as dataset." + clean(sn.TrainedAs)
		}
		fmt.Fprintf(tw, "  dataset.%s\t%s\t%s\n", clean(sn.Dataset), clean(sn.ID), detail)
	}
	fmt.Fprintf(tw, "  code\t%s\t%s\n", orDash(in.CodeHash), textfmt.Files(in.CodeFiles))
	for _, k := range slices.Sorted(maps.Keys(in.Params)) {
		fmt.Fprintf(tw, "  params.%s\t%s\n", clean(k), clean(textfmt.JSON(in.Params[k])))
	}
	env := "environment"
	if in.Environment != "" {
		env = "environment." + clean(in.Environment)
	}
	fmt.Fprintf(tw, "  %s\t%s\n", env, orDash(in.EnvFingerprint))
	fmt.Fprintf(tw, "  command\t%s\n", clean(textfmt.JSON(in.Command)))
	fmt.Fprintf(tw, "  inputs digest\t%s\n", orDash(in.Digest))
	tw.Flush()

	if len(v.Reasons) > 0 {
		fmt.Fprintln(w, "\nwhy it was trained:")
		for _, reason := range v.Reasons {
			fmt.Fprintf(w, "  - %s\n", clean(reason))
		}
	}
	if r.Previous > 0 {
		fmt.Fprintf(w, "\nchanged since v%d:\n", r.Previous)
		if len(r.Changes) == 0 {
			fmt.Fprintln(w, "  (same inputs)")
		}
		for _, c := range r.Changes {
			fmt.Fprintf(w, "  ~ %s\n", clean(c.Message))
		}
	}
	if len(r.Approvals) > 0 {
		fmt.Fprintln(w, "\napprovals:")
		for _, ap := range r.Approvals {
			fmt.Fprintf(w, "  promotion.%s (alias %s): approved by %s at %s\n", clean(ap.Promotion), clean(ap.Alias), clean(ap.By), stamp(ap.At))
		}
	}
	if len(r.Evaluations) > 0 {
		// What promotions and metric triggers compare: the evaluate
		// step's scores, by snapshot set.
		fmt.Fprintln(w, "\nevaluations (evaluate step):")
		for _, ev := range r.Evaluations {
			fmt.Fprintf(w, "  %s  %s  %s  %s\n", stamp(ev.At), snapshotsLine(ev.Snapshots), clean(ev.Status), orDash(metricsLine(ev.Metrics, 0)))
		}
	}
	if len(v.Metrics) > 0 {
		// What the trainer reported about itself: kept apart from the
		// evaluate step's scores, which are what promotions compare.
		fmt.Fprintln(w, "\ntrain-step metrics:")
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, k := range slices.Sorted(maps.Keys(v.Metrics)) {
			fmt.Fprintf(tw, "  %s\t%s\n", clean(k), fmtNum(v.Metrics[k]))
		}
		tw.Flush()
	}
	return nil
}

// snapshotsLine renders a snapshot set briefly: "churn@19bc12345678".
func snapshotsLine(snaps map[string]string) string {
	parts := make([]string, 0, len(snaps))
	for _, ds := range slices.Sorted(maps.Keys(snaps)) {
		parts = append(parts, clean(ds)+"@"+shortID(clean(snaps[ds])))
	}
	return strings.Join(parts, ",")
}
