package render

import (
	"context"
	"errors"
	"io"
	"strings"

	"github.com/mlform/mlform/internal/textfmt"
	"github.com/mlform/mlform/planner"
	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/planner/model"
	"github.com/mlform/mlform/planner/plans"
)

// jsonApply is the one line `apply -json` prints after the plan document
// (docs/plan-json.md, "apply -json"): what happened to every action, so a
// CI job can read the whole run from stdout as JSON lines.
type jsonApply struct {
	FormatVersion string             `json:"format_version"`
	Type          string             `json:"type"`
	Status        string             `json:"status"`
	Summary       map[string]int     `json:"summary"`
	Actions       []jsonActionResult `json:"actions"`
	Outputs       []plans.JSONOutput `json:"outputs"`
}

type jsonActionResult struct {
	Address string `json:"address"`
	Kind    string `json:"kind"`
	Status  string `json:"status"`
	Summary string `json:"summary"`
	// Outcome says what a succeeded train or promote did (format 1.2):
	// trained, not_retrained or submitted; promoted, held,
	// awaiting_approval or unchanged. Empty otherwise.
	Outcome string `json:"outcome"`
	Error   string `json:"error"`
}

// Apply statuses of the summary line.
const (
	ApplyComplete    = "complete"
	ApplyFailed      = "failed"
	ApplyInterrupted = "interrupted"
	ApplyNoChanges   = "no_changes"
)

// ApplyJSON writes the apply summary line. res nil means there was nothing
// to apply. outs are the outputs after the apply (sensitive values are
// left out, like in the plan document).
func ApplyJSON(w io.Writer, res *engine.Result, outs []*planner.OutputResult) error {
	doc := jsonApply{FormatVersion: JSONFormatVersion, Type: "apply", Status: ApplyNoChanges,
		Summary: map[string]int{}, Actions: []jsonActionResult{}, Outputs: []plans.JSONOutput{}}
	for _, n := range applyNouns {
		doc.Summary[n.kind] = 0
	}
	if res != nil {
		doc.Status = applyStatus(res)
		for _, n := range applyNouns {
			doc.Summary[n.kind] = res.Count(n.kind, engine.ResultSucceeded)
		}
		if res.Moved > 0 {
			doc.Summary["moved"] = res.Moved // moved blocks' state migrations
		}
		for _, r := range res.Actions {
			jr := jsonActionResult{Address: r.Action.Addr, Kind: r.Action.Kind, Status: r.Status, Summary: r.Summary, Outcome: outcome(r)}
			if r.Err != nil {
				jr.Error = r.Err.Error()
			}
			doc.Actions = append(doc.Actions, jr)
		}
	}
	for _, o := range outs {
		jo := plans.JSONOutput{Name: o.Name, Sensitive: o.Sensitive, Known: true}
		if !o.Sensitive {
			jo.Value = o.Value
		}
		doc.Outputs = append(doc.Outputs, jo)
	}
	b, err := textfmt.Marshal(doc)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// applyStatus is complete, failed (an action failed or was skipped) or
// interrupted (a stop request kept actions from starting, or a second one
// cancelled running ones; none failed on its own).
func applyStatus(res *engine.Result) string {
	failed, cancelled := false, false
	for _, r := range res.Actions {
		switch {
		case r.Status == engine.ResultFailed && errors.Is(r.Err, context.Canceled):
			cancelled = true
		case r.Status == engine.ResultFailed || r.Status == engine.ResultSkipped:
			failed = true
		}
	}
	switch {
	case failed:
		return ApplyFailed
	case res.Interrupted || cancelled || res.Failed():
		return ApplyInterrupted
	}
	return ApplyComplete
}

// outcome is an action's outcome as the apply line writes it: the
// runner's word with spaces as underscores ("not_retrained").
func outcome(r *engine.ActionResult) string {
	o := model.TrainOutcome(r)
	if o == "" {
		o = model.PromoteOutcome(r)
	}
	return strings.ReplaceAll(o, " ", "_")
}
