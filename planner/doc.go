// Package planner is mlform's reconcile engine: it builds the dependency
// graph from the configuration, compares the desired world (config + data as
// it is now) with the recorded state, and produces a plans.Plan whose every
// action carries the reasons it exists. The apply engine executes a Plan in
// dependency order. The plan model, plan files and the -json document live
// in planner/plans; this package ties the workspace, planning stages and
// apply runners together.
package planner
