// Package policy holds mlform's model decisions as pure functions: what a
// model version is built from (its inputs and their digest), whether a model
// must be retrained now, later or not at all (retrain policies), and whether
// an alias moves to a candidate version (promotions). Nothing here touches
// state, the store or an executor; the planner observes the world, calls
// these functions and turns their answers into plan actions and notes. Keeping
// the decisions pure is what makes them table-testable with fixed clocks.
package policy
