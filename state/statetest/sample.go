package statetest

import (
	"github.com/mlform/mlform/state"
	"github.com/mlform/mlform/state/statesample"
)

// Sample is statesample.Sample, for tests that use the rest of statetest.
func Sample() *state.State { return statesample.Sample() }

// Large is statesample.Large, for tests that use the rest of statetest.
func Large(n int) *state.State { return statesample.Large(n) }
