package model

import (
	"strings"

	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/planner/plans"
)

// Outcomes of a train action that succeeded, as TrainOutcome reports
// them: a version was trained, or a conditional train (a metric trigger
// evaluated during apply) decided not to retrain.
const (
	TrainTrained      = "trained"
	TrainNotRetrained = "not retrained"
	// TrainSubmitted: a batch job was submitted and apply -wait=false
	// returned; a later apply collects it.
	TrainSubmitted = "submitted"
)

// notRetrainedPrefix starts the summary of a conditional train that did
// not retrain, which is how TrainOutcome tells it apart after the run.
const notRetrainedPrefix = TrainNotRetrained + ": "

// TrainOutcome says what a succeeded train action did, so the apply
// summary counts only trains that trained ("" for any other action or
// status).
func TrainOutcome(r *engine.ActionResult) string {
	if r == nil || r.Action == nil || r.Action.Kind != plans.KindTrain || r.Status != engine.ResultSucceeded {
		return ""
	}
	if isTrainSubmitted(r) {
		return TrainSubmitted
	}
	if strings.HasPrefix(r.Summary, notRetrainedPrefix) {
		return TrainNotRetrained
	}
	return TrainTrained
}
