// Package model holds the model and promotion steps: Plan, the planning
// stage that decides, per model, whether to train (inputs changed, a
// retrain policy is due, drift, a metric trigger), evaluate, promote
// (gates, must_beat, pins) and publish; PlanRetention (what retention
// forgets); the apply runners for train, evaluate, promote, publish and
// forget (Runners, RunForget); and Reproduce, which runs a recorded
// version's training again on its recorded inputs. Steps run on an
// executor from the workspace's registry; every text that could carry a
// sensitive value goes through planner/engine's redaction.
package model
