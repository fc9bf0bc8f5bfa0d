// Package model holds the model and promotion steps: Plan, the planning
// stage that decides, per model, whether to train (inputs changed, a
// retrain policy is due, drift, a metric trigger), evaluate, promote
// (gates, must_beat, pins, one yardstick) and publish; the apply runners
// for train, evaluate, promote and publish (Runners), including the
// controller half of the remote-step protocol (submit, record running,
// collect); and Reproduce, which runs a recorded version's training again
// on its recorded inputs. What those steps are built from lives below it:
// planner/step runs a step and stores what it leaves, planner/publish
// copies a promoted version out, planner/notify delivers events and
// planner/provenance takes the environment record; planner/retention,
// a sibling stage, plans what is forgotten.
package model
