// Package plannertest holds fixtures the planner's packages share in their
// tests (a state shaped for retention and lineage, the executors cli
// registers), so each is written once; a file tree on disk is
// internal/testtree's. Only tests import it.
package plannertest

import (
	"fmt"
	"strings"
	"time"

	"github.com/mlform/mlform/providers/executor"
	"github.com/mlform/mlform/providers/executor/local"
	"github.com/mlform/mlform/state"
)

// LocalExecutors is the registry cli builds for a machine without batch
// systems: the local executor alone, which every step the tests run uses.
func LocalExecutors() *executor.Registry {
	reg := executor.NewRegistry()
	local.Register(reg)
	return reg
}

// RetentionState builds a state with dataset d (snapshots s1..sN, one a
// day from 100 days before now, the last current) and model m (versions
// from spec: "ok:2" is a succeeded version trained on s2, "fail:3" a
// failed one), version i trained i days after the first snapshot.
// Snapshot i's id is i in 8 hex digits followed by zeros.
func RetentionState(now time.Time, snaps int, versions ...string) *state.State {
	st := state.New()
	start := now.Add(-100 * 24 * time.Hour)
	id := func(i int) string { return fmt.Sprintf("%08x%056d", i, 0) }
	d := &state.Dataset{Name: "d"}
	for i := 1; i <= snaps; i++ {
		d.Snapshots = append(d.Snapshots, &state.Snapshot{ID: id(i), CreatedAt: start.Add(time.Duration(i) * 24 * time.Hour), Store: "default", Bytes: 100})
	}
	st.Datasets["d"] = d
	m := st.EnsureModel("m")
	for i, spec := range versions {
		status, snap, _ := strings.Cut(spec, ":")
		var n int
		fmt.Sscan(snap, &n)
		s := state.StatusSucceeded
		if status == "fail" {
			s = state.StatusFailed
		}
		m.Versions = append(m.Versions, &state.Version{Version: i + 1, Status: s, StartedAt: start.Add(time.Duration(i+1) * 24 * time.Hour),
			Inputs: state.Inputs{Snapshots: map[string]string{"d": id(n)}}})
	}
	m.NextVersion = len(versions) + 1
	return st
}
