package main

import (
	"flag"
	"os"
	"testing"

	"github.com/mlform/mlform/cli"
	"github.com/mlform/mlform/internal/scripttest"
	"github.com/rogpeppe/go-internal/testscript"
)

var update = flag.Bool("update", false, "rewrite golden files (cmp targets inside txtar scripts) with actual output")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"mlform": func() { os.Exit(cli.Main()) },
	})
}

// TestScripts runs every end-to-end scenario under testdata/script against
// the real mlform binary (re-executed in-process by testscript).
func TestScripts(t *testing.T) {
	p := scripttest.Params("../../testdata/script")
	p.UpdateScripts = *update
	testscript.Run(t, p)
}
