package local_test

import (
	"testing"

	"github.com/mlform/mlform/providers/executor"
	"github.com/mlform/mlform/providers/executor/executortest"
	"github.com/mlform/mlform/providers/executor/local"
)

func TestMain(m *testing.M) { executortest.Main(m) }

func TestConformance(t *testing.T) {
	executortest.RunConformance(t, func(t *testing.T) executor.Executor {
		return local.New(local.Options{})
	})
}
