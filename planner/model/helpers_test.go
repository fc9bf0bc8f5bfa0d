package model

import (
	"time"

	"github.com/mlform/mlform/providers/executor"
	"github.com/mlform/mlform/providers/executor/local"
)

var testNow = time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)

func testExecutors() *executor.Registry {
	reg := executor.NewRegistry()
	local.Register(reg)
	return reg
}
