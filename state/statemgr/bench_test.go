package statemgr_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlform/mlform/state"
	"github.com/mlform/mlform/state/statemgr"
	"github.com/mlform/mlform/state/statetest"
)

// BenchmarkWriteFile is one state change persisted on local disk: compare
// with the stored document, write the backup and the new document, each
// with its fsyncs.
func BenchmarkWriteFile(b *testing.B) {
	ctx := context.Background()
	m, err := statemgr.OpenManager(ctx, filepath.Join(b.TempDir(), "state"), "")
	if err != nil {
		b.Fatal(err)
	}
	s, _ := m.Read(ctx)
	big := statetest.Large(5000)
	big.Lineage = s.Lineage
	if err := m.Write(ctx, big); err != nil {
		b.Fatal(err)
	}
	for i := 0; b.Loop(); i++ {
		big.Models["churn"].Versions[0].Metrics["accuracy"] = float64(i)
		if err := m.Write(ctx, big); err != nil {
			b.Fatal(err)
		}
	}
}

// fleetState is a state of n models, datasets and policies shaped like the
// generated fleet `make bench` applies (one snapshot, one version, one
// alias each).
func fleetState(n int) *state.State {
	s := state.New()
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	hex := strings.Repeat("ab", 32)
	for i := range n {
		name := fmt.Sprintf("m%04d", i)
		s.Datasets[name] = &state.Dataset{Name: name, Snapshots: []*state.Snapshot{{ID: hex, CreatedAt: at, Source: "data/" + name, Files: 1, Bytes: 25, Store: "default"}}}
		s.Models[name] = &state.Model{Name: name, NextVersion: 2, Versions: []*state.Version{{Version: 1, Status: state.StatusSucceeded, Reasons: []string{"new"},
			Inputs:  state.Inputs{Snapshots: map[string]string{name: hex}, CodeHash: hex, Params: map[string]any{"seed": float64(i)}, Command: []string{"sh", "train.sh"}},
			Metrics: map[string]float64{"accuracy": 0.9}, ArtifactsID: hex, LogsID: hex, StartedAt: at, EndedAt: at, Store: "default"}},
			Aliases: map[string]*state.Alias{"production": {Name: "production", Version: 1, History: []*state.AliasMove{{To: 1, At: at, By: "me"}}}}}
		s.Policies[name] = &state.Policy{Name: name, LastTrain: map[string]time.Time{name: at}}
	}
	return s
}

// BenchmarkRecordAction is the cost of recording one apply action (one
// model gains a version) on local disk, in a state of N models: whole
// (Manager.Write: the document and its backup rewritten, O(N)) and
// journaled (JournalWriter: one line appended, plus finding what changed
// by comparing every entry), and journaled with the change announced
// (statemgr.ChangingModel, as apply's runners do: only that entry compared).
// The announced cost must stay flat from 100 to 1,000 models.
func BenchmarkRecordAction(b *testing.B) {
	for _, mode := range []string{"whole", "journal", "announced"} {
		for _, n := range []int{100, 1000} {
			b.Run(fmt.Sprintf("%s/%d", mode, n), func(b *testing.B) {
				ctx := context.Background()
				m, err := statemgr.OpenManager(ctx, filepath.Join(b.TempDir(), "state"), "")
				if err != nil {
					b.Fatal(err)
				}
				s := fleetState(n)
				var w interface {
					Write(context.Context, *state.State) error
				} = m
				if mode != "whole" {
					w = m.JournalWriter()
				}
				if err := w.Write(ctx, s); err != nil {
					b.Fatal(err)
				}
				for i := 0; b.Loop(); i++ {
					name := fmt.Sprintf("m%04d", i%n)
					mod := s.Models[name]
					v := *mod.Versions[0]
					v.Version = mod.NextVersion
					mod.Versions = append(mod.Versions, &v)
					mod.NextVersion++
					wctx := ctx
					if mode == "announced" {
						wctx = statemgr.ChangingModel(ctx, name)
					}
					if err := w.Write(wctx, s); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
