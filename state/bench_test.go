package state_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/mlform/mlform/state"
	"github.com/mlform/mlform/state/statetest"
)

// bigState is a state with n model versions, the size a long-lived
// workspace reaches.
func bigState(n int) *state.State {
	s := statetest.Sample()
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

func BenchmarkEncode(b *testing.B) {
	s := bigState(5000)
	doc, _ := state.Encode(s)
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		if _, err := state.Encode(s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	doc, err := state.Encode(bigState(5000))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		if _, err := state.Decode(doc); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWriteFile is one state change persisted on local disk: compare
// with the stored document, write the backup and the new document, each
// with its fsyncs.
func BenchmarkWriteFile(b *testing.B) {
	ctx := context.Background()
	m, err := state.OpenManager(ctx, filepath.Join(b.TempDir(), "state"), "")
	if err != nil {
		b.Fatal(err)
	}
	s, _ := m.Read(ctx)
	big := bigState(5000)
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
