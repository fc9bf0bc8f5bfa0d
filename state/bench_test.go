package state_test

import (
	"testing"

	"github.com/mlform/mlform/state"
	"github.com/mlform/mlform/state/statesample"
)

func BenchmarkEncode(b *testing.B) {
	s := statesample.Large(5000)
	doc, _ := state.Encode(s)
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		if _, err := state.Encode(s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	doc, err := state.Encode(statesample.Large(5000))
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
