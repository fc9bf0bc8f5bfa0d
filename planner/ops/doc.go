// Package ops holds the workspace operations that are not plan/apply: init
// (create state and stores), gc (collect unreferenced store objects;
// -check, -rebuild-index, -workspaces, -forget-workspace), pull (copy a
// snapshot's or a version's files out of a store), the snapshot listing and
// address resolution of `snapshots`, `lineage` gap checks, and `logs`. Each
// is a function of the workspace (planner/engine.Workspace) and the state;
// none imports the top-level planner.
package ops
