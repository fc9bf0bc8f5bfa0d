package render

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/mlform/mlform/internal/textfmt"
	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/planner/model"
	"github.com/mlform/mlform/planner/plans"
)

// applyNouns names what each kind of action produces, singular and plural.
var applyNouns = []struct{ kind, one, many string }{
	{plans.KindSnapshot, "snapshot", "snapshots"},
	{plans.KindTrain, "train", "trains"},
	{plans.KindPromote, "promotion", "promotions"},
	{plans.KindEvaluate, "evaluation", "evaluations"},
	{plans.KindPublish, "publication", "publications"},
	{plans.KindRemove, "removal", "removals"},
	{plans.KindForget, "forgotten", "forgotten"},
}

// ApplySummary is "1 snapshot, 0 trains, 0 promotions": succeeded actions
// by kind (evaluations, publications, removals and forgotten snapshots or
// versions only when present).
// Promotions count moved aliases only (an alias whose publishing failed
// after it moved too: the move is recorded); held candidates are counted after
// them ("1 held") when there are any. Trains count versions trained; a
// metric check that decided not to retrain is "1 not retrained" after them.
func ApplySummary(res *engine.Result) string {
	var parts []string
	for i, n := range applyNouns {
		c := res.Count(n.kind, engine.ResultSucceeded)
		switch n.kind {
		case plans.KindPromote:
			c = 0
			for _, r := range res.Actions {
				if model.AliasMoved(r) {
					c++
				}
			}
		case plans.KindTrain:
			c = countTrains(res, model.TrainTrained)
		}
		if i >= 3 && c == 0 {
			continue
		}
		parts = append(parts, textfmt.CountAs(c, n.one, n.many))
		if n.kind == plans.KindTrain {
			if k := countTrains(res, model.TrainNotRetrained); k > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", k, model.TrainNotRetrained))
			}
			if k := countTrains(res, model.TrainSubmitted); k > 0 {
				parts = append(parts, fmt.Sprintf("%d submitted (a later apply collects)", k))
			}
		}
		if n.kind == plans.KindPromote {
			if h := countPromotes(res, model.PromoteHeld); h > 0 {
				parts = append(parts, fmt.Sprintf("%d held", h))
			}
			if h := countPromotes(res, model.PromoteAwaiting); h > 0 {
				parts = append(parts, fmt.Sprintf("%d awaiting approval", h))
			}
		}
	}
	if res.Moved > 0 {
		parts = append(parts, fmt.Sprintf("%d moved", res.Moved))
	}
	return strings.Join(parts, ", ")
}

// countTrains counts the succeeded train actions with outcome.
func countTrains(res *engine.Result, outcome string) int {
	return countOutcome(res, model.TrainOutcome, outcome)
}

// countPromotes counts the succeeded promote actions with outcome.
func countPromotes(res *engine.Result, outcome string) int {
	return countOutcome(res, model.PromoteOutcome, outcome)
}

// countOutcome counts the actions whose outcome (as of tells it) is want.
func countOutcome(res *engine.Result, of func(*engine.ActionResult) string, want string) int {
	n := 0
	for _, r := range res.Actions {
		if of(r) == want {
			n++
		}
	}
	return n
}

// ApplyResult writes the end of an apply: failures with their errors,
// what did not run, and the summary line.
func ApplyResult(w io.Writer, res *engine.Result, o Options) error {
	ew := &errWriter{w: w}
	pt := painter{on: o.Color}
	var failed, cancelled, skipped, notStarted []*engine.ActionResult
	for _, r := range res.Actions {
		switch r.Status {
		case engine.ResultFailed:
			if errors.Is(r.Err, context.Canceled) {
				// The second Ctrl-C cancelled it: not a failure of
				// the action, and "context canceled" means nothing
				// to a user.
				cancelled = append(cancelled, r)
				continue
			}
			failed = append(failed, r)
		case engine.ResultSkipped:
			skipped = append(skipped, r)
		case engine.ResultNotStarted:
			notStarted = append(notStarted, r)
		}
	}
	ew.printf("\n")
	for _, r := range failed {
		ew.printf("%s %s %s: %v\n", pt.paint(ansiRed+ansiBold, "Error:"), r.Action.Kind, r.Action.Addr, r.Err)
	}
	for _, r := range cancelled {
		ew.printf("Cancelled %s %s (interrupted)\n", r.Action.Kind, r.Action.Addr)
	}
	for _, r := range skipped {
		ew.printf("Skipped %s %s: %v\n", r.Action.Kind, r.Action.Addr, r.Err)
	}
	for _, r := range notStarted {
		ew.printf("Not started %s %s (interrupted)\n", r.Action.Kind, r.Action.Addr)
	}
	if len(failed)+len(cancelled)+len(skipped)+len(notStarted) > 0 {
		what := "Apply failed"
		if (res.Interrupted || len(cancelled) > 0) && len(failed) == 0 {
			what = "Apply interrupted"
		}
		ew.printf("\n%s. What succeeded is recorded: %s.\n", pt.paint(ansiRed+ansiBold, what), ApplySummary(res))
		if what == "Apply interrupted" {
			// A saved plan is stale now: the next step is a new plan.
			ew.printf("To finish: mlform plan shows what is left, mlform apply does it.\n")
		}
		return ew.err
	}
	ew.printf("%s %s.\n", pt.paint(ansiGreen+ansiBold, "Apply complete!"), ApplySummary(res))
	return ew.err
}
