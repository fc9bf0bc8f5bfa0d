package planner

import (
	"time"

	"github.com/mlform/mlform/planner/plans"
)

const (
	testIDA = "19bc7d3e5a6f4b2c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e"
	testIDB = "77aa00112233445566778899aabbccddeeff00112233445566778899aabbccdd"
	testLin = "5b0f8a1e-3c2d-4e5f-8a9b-0c1d2e3f4a5b"
)

func samplePlan() *plans.Plan {
	return &plans.Plan{
		FormatVersion: plans.PlanFormatVersion,
		CreatedAt:     time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC),
		Lineage:       testLin,
		Serial:        3,
		ConfigDigest:  "aabbccddeeff0011",
		Refreshed:     true,
		Actions: []*plans.Action{
			{
				Addr: "dataset.churn", Kind: plans.KindSnapshot,
				Reasons: []plans.Reason{{Code: plans.ReasonDataChanged, Message: "data changed"}},
				Snapshot: &plans.SnapshotChange{Dataset: "churn", Source: "data", Store: "default", OldID: testIDA, NewID: testIDB,
					Files: 2, Bytes: 30, DiffKnown: true, Changed: 1,
					Observation: &plans.Observation{Files: []plans.ObservedFile{
						{Path: "a.csv", Size: 10, Hash: testIDA},
						{Path: "sub/b.csv", Size: 20, Hash: testIDB, Mode: 0o755},
					}, Profile: []byte(`{"columns":[]}`)}},
			},
			{
				Addr: "model.churn", Kind: plans.KindTrain, DependsOn: []string{"dataset.churn"},
				Reasons: []plans.Reason{{Code: plans.ReasonDataChanged, Message: "data changed", Data: map[string]any{"dataset": "churn"}}},
				Train:   &plans.TrainChange{Model: "churn", Version: 2, Snapshots: map[string]string{"churn": testIDB}},
			},
		},
		Notes: []*plans.Note{{Addr: "model.other", Message: "deferred"}},
	}
}
