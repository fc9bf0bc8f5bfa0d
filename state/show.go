package state

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mlform/mlform/internal/termtext"
	"github.com/mlform/mlform/internal/textfmt"
)

// WriteHuman renders what Lookup returned for a, for `mlform state show`.
func WriteHuman(w io.Writer, a Address, obj any) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# %s\n", a)
	switch o := obj.(type) {
	case *Dataset:
		writeDataset(&b, o)
	case *Snapshot:
		fmt.Fprintf(&b, "id: %s\ncreated_at: %s\nsource: %s\nfiles: %s (%s)\nstore: %s\n",
			o.ID, stamp(o.CreatedAt), oneLine(o.Source), textfmt.Files(o.Files), textfmt.Bytes(o.Bytes), orDash(o.Store))
	case *Model:
		writeModel(&b, o)
	case *Version:
		writeVersion(&b, o)
	case *Alias:
		writeAlias(&b, o)
	default:
		return fmt.Errorf("show %s: nothing to show for %T", a, obj)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// block aligns the tab-separated lines one section prints, and only
// them, so each list lines up on its own.
func block(w io.Writer, fill func(io.Writer)) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fill(tw)
	tw.Flush()
}

func writeDataset(w io.Writer, d *Dataset) {
	fmt.Fprintf(w, "snapshots: %d\n", len(d.Snapshots))
	block(w, func(w io.Writer) {
		for i, sn := range d.Snapshots {
			fmt.Fprintf(w, "  %d\t%s\t%s\t%s\t%s\tstore %s\t%s\n", i+1, sn.ID, stamp(sn.CreatedAt), textfmt.Files(sn.Files), textfmt.Bytes(sn.Bytes), orDash(sn.Store), oneLine(sn.Source))
		}
	})
	if n := len(d.Snapshots); n > 0 {
		fmt.Fprintf(w, "current: %s\n", d.Snapshots[n-1].ID)
	}
}

func writeModel(w io.Writer, m *Model) {
	fmt.Fprintf(w, "next_version: %d\n", m.NextVersion)
	fmt.Fprintf(w, "versions: %d\n", len(m.Versions))
	block(w, func(w io.Writer) {
		for _, v := range m.Versions {
			fmt.Fprintf(w, "  v%d\t%s\t%s\t%s\n", v.Version, v.Status, stamp(v.StartedAt), metricsLine(v.Metrics))
		}
	})
	fmt.Fprintf(w, "aliases: %d\n", len(m.Aliases))
	block(w, func(w io.Writer) {
		for _, name := range slices.Sorted(maps.Keys(m.Aliases)) {
			fmt.Fprintf(w, "  %s\t-> v%d\n", name, m.Aliases[name].Version)
		}
	})
	if len(m.Running) > 0 {
		fmt.Fprintf(w, "running: %d\n", len(m.Running))
		block(w, func(w io.Writer) {
			for _, r := range m.Running {
				fmt.Fprintf(w, "  v%d\t%s job %s\tsubmitted %s\t%s\n", r.Version, oneLine(r.Executor), orDash(oneLine(r.JobID)), stamp(r.SubmittedAt), orDash(oneLine(r.Node)))
			}
		})
	}
	if len(m.Evaluating) > 0 {
		fmt.Fprintf(w, "evaluating: %d\n", len(m.Evaluating))
		block(w, func(w io.Writer) {
			for _, e := range m.Evaluating {
				fmt.Fprintf(w, "  v%d\t%s job %s\tsubmitted %s\n", e.Version, oneLine(e.Executor), orDash(oneLine(e.JobID)), stamp(e.SubmittedAt))
			}
		})
	}
}

func writeVersion(w io.Writer, v *Version) {
	block(w, func(w io.Writer) {
		fmt.Fprintf(w, "status:\t%s\n", v.Status)
		fmt.Fprintf(w, "started_at:\t%s\n", stamp(v.StartedAt))
		fmt.Fprintf(w, "ended_at:\t%s\n", stamp(v.EndedAt))
		fmt.Fprintf(w, "exit_code:\t%d\n", v.ExitCode)
		fmt.Fprintf(w, "ran_by:\t%s@%s\n", orDash(oneLine(v.User)), orDash(oneLine(v.Host)))
		for _, f := range []struct{ k, v string }{
			{"error", v.Error}, {"git_commit", v.GitCommit}, {"description", v.Description},
			{"artifacts", v.ArtifactsID}, {"logs", v.LogsID}, {"code", v.CodeID}, {"job", v.Job}, {"store", v.Store}, {"plan_digest", v.PlanDigest},
		} {
			if f.v != "" {
				fmt.Fprintf(w, "%s:\t%s\n", f.k, oneLine(f.v))
			}
		}
		if v.TrainedAs != nil && v.TrainedAs.Model != "" {
			fmt.Fprintf(w, "trained_as:\tmodel.%s\n", v.TrainedAs.Model)
		}
	})
	if len(v.Reasons) > 0 {
		fmt.Fprintln(w, "reasons:")
		for _, r := range v.Reasons {
			fmt.Fprintf(w, "  - %s\n", oneLine(r))
		}
	}
	in := v.Inputs
	fmt.Fprintln(w, "inputs:")
	block(w, func(w io.Writer) {
		for _, ds := range slices.Sorted(maps.Keys(in.Snapshots)) {
			trained := ""
			if old := v.TrainedDataset(ds); old != ds {
				trained = " (trained as dataset." + old + ")"
			}
			fmt.Fprintf(w, "  dataset.%s:\t%s%s\n", ds, in.Snapshots[ds], trained)
		}
		fmt.Fprintf(w, "  code:\t%s (%s)\n", orDash(oneLine(in.CodeHash)), textfmt.Files(in.CodeFiles))
		params := textfmt.JSON(in.Params)
		fmt.Fprintf(w, "  params:\t%s\n", params)
		if in.Environment != "" {
			fmt.Fprintf(w, "  environment:\t%s\n", oneLine(in.Environment))
		}
		fmt.Fprintf(w, "  env_fingerprint:\t%s\n", orDash(oneLine(in.EnvFingerprint)))
		cmd := textfmt.JSON(in.Command)
		fmt.Fprintf(w, "  command:\t%s\n", cmd)
		fmt.Fprintf(w, "  digest:\t%s\n", orDash(oneLine(in.Digest)))
	})
	if len(v.Metrics) > 0 {
		fmt.Fprintln(w, "metrics:")
		block(w, func(w io.Writer) {
			for _, k := range slices.Sorted(maps.Keys(v.Metrics)) {
				fmt.Fprintf(w, "  %s:\t%g\n", oneLine(k), v.Metrics[k])
			}
		})
	}
}

func writeAlias(w io.Writer, a *Alias) {
	fmt.Fprintf(w, "version: v%d\n", a.Version)
	fmt.Fprintf(w, "history: %d\n", len(a.History))
	block(w, func(w io.Writer) {
		for _, mv := range a.History {
			from := "(new)"
			if mv.From > 0 {
				from = fmt.Sprintf("v%d", mv.From)
			}
			fmt.Fprintf(w, "  %s\t%s -> v%d\tby %s", stamp(mv.At), from, mv.To, orDash(oneLine(mv.By)))
			if mv.Promotion != "" {
				fmt.Fprintf(w, "\tpromotion.%s", oneLine(mv.Promotion))
			}
			if mv.Reason != "" {
				fmt.Fprintf(w, "\t%s", oneLine(mv.Reason))
			}
			fmt.Fprintln(w)
		}
	})
}

func metricsLine(m map[string]float64) string {
	keys := slices.Sorted(maps.Keys(m))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%g", oneLine(k), m[k])
	}
	return strings.Join(parts, " ")
}

func stamp(t time.Time) string {
	return textfmt.Time(t)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// oneLine keeps recorded free text from breaking the layout (or the
// terminal): control characters become spaces.
func oneLine(s string) string { return termtext.OneLine(s) }
