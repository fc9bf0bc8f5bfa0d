// Package statesample builds realistic states for tests. It depends on
// nothing but the state package, so the state package's own tests (and its
// fuzz targets, whose every execution scans the coverage counters of all
// the code linked into the test binary) need not link the cloud storage
// drivers that statetest's backend suite brings in.
package statesample

import (
	"fmt"
	"time"

	"github.com/mlform/mlform/state"
)

// Small returns a small valid state: two models with no versions, a
// dataset with no snapshots and a policy that trained model a.
func Small() *state.State {
	s := state.New()
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s.Datasets["d"] = &state.Dataset{Name: "d", Snapshots: []*state.Snapshot{}}
	for _, name := range []string{"a", "b"} {
		s.Models[name] = &state.Model{Name: name, NextVersion: 1, Versions: []*state.Version{}, Aliases: map[string]*state.Alias{}}
	}
	s.Policies["p"] = &state.Policy{Name: "p", LastTrain: map[string]time.Time{"a": at}}
	return s
}

// Sample returns a state with one dataset (two snapshots) and one model
// (versions 1 and 2, version 3 failed, production on 2), every field set,
// for tests that need realistic content.
func Sample() *state.State {
	s := state.New()
	at := time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)
	snap := func(i int) *state.Snapshot {
		return &state.Snapshot{ID: fmt.Sprintf("%064x", 0xd5000+i), CreatedAt: at.Add(time.Duration(i) * time.Hour),
			Source: "data/churn", Files: 3 + i, Bytes: int64(1000 * i), Store: "default"}
	}
	s.Datasets["churn"] = &state.Dataset{Name: "churn", Snapshots: []*state.Snapshot{snap(1), snap(2)}}
	m := s.EnsureModel("churn")
	for v := 1; v <= 3; v++ {
		status := state.StatusSucceeded
		if v == 3 {
			status = state.StatusFailed
		}
		m.Versions = append(m.Versions, &state.Version{
			Version: v, Status: status, Reasons: []string{"data changed"},
			Inputs: state.Inputs{
				Snapshots: map[string]string{"churn": snap(min(v, 2)).ID},
				CodeHash:  fmt.Sprintf("%064x", 0xc0de), CodeFiles: 4,
				Params:         map[string]any{"learning_rate": 0.05, "epochs": float64(30)},
				Environment:    "trainer",
				EnvFingerprint: fmt.Sprintf("%064x", 0xe4), Command: []string{"./train", "--fast"},
				Digest: fmt.Sprintf("%064x", 0xd1+v),
			},
			ArtifactsID: fmt.Sprintf("%064x", 0xa0+v), LogsID: fmt.Sprintf("%064x", 0x10+v),
			Metrics:   map[string]float64{"accuracy": 0.8 + float64(v)/100},
			StartedAt: at.Add(time.Duration(v) * time.Hour), EndedAt: at.Add(time.Duration(v)*time.Hour + time.Minute),
			Host: "trainer-1", User: "alice", Store: "default",
		})
	}
	m.NextVersion = 4
	m.Aliases["production"] = &state.Alias{Name: "production", Version: 2, History: []*state.AliasMove{
		{From: 0, To: 1, At: at, By: "alice", Promotion: "churn_production"},
		{From: 1, To: 2, At: at.Add(time.Hour), By: "bob", Promotion: "churn_production", Reason: "beats v1 on accuracy"},
	}}
	m.Evaluations = []*state.Evaluation{{Version: 2, Snapshots: map[string]string{"churn": snap(2).ID},
		Metrics: map[string]float64{"accuracy": 0.82}, At: at, Status: state.StatusSucceeded}}
	s.Policies["churn"] = &state.Policy{Name: "churn", LastTrain: map[string]time.Time{"churn": at}}
	return s
}

// Large is Sample with n more versions of its model: the size a
// long-lived workspace's state reaches, for benchmarks.
func Large(n int) *state.State {
	s := Sample()
	m := s.Models["churn"]
	base := m.Versions[0]
	for v := 4; v < 4+n; v++ {
		nv := *base
		nv.Version = v
		m.Versions = append(m.Versions, &nv)
	}
	m.NextVersion = 4 + n
	return s
}
