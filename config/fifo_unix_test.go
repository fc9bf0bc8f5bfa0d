//go:build unix

package config

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/mlform/mlform/config/lang"
)

// A FIFO in the configuration directory must be refused, not block Load
// until someone writes to it.
func TestFileRefusesFIFO(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, fn := range []string{"file", "filesha256"} {
		expr, _ := hclsyntax.ParseExpression([]byte(fn+`("fifo")`), "t", hcl.InitialPos)
		_, diags := expr.Value(&hcl.EvalContext{Functions: lang.NewFunctions(dir)})
		if !diags.HasErrors() || !strings.Contains(diags.Error(), "fifo is a named pipe (FIFO), not a regular file") {
			t.Errorf("%s(fifo): %v", fn, diags)
		}
	}
}

// A FIFO named like a configuration or variables file is reported, not
// read (reading would block).
func TestLoadRefusesFIFOFiles(t *testing.T) {
	for _, name := range []string{"b.mlf.hcl", "b.mlfvars"} {
		t.Run(name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{"a.mlf.hcl": "locals {\n  x = 1\n}\n"})
			if err := syscall.Mkfifo(filepath.Join(dir, name), 0o644); err != nil {
				t.Fatal(err)
			}
			_, diags := Load(dir, LoadOptions{Getenv: noEnv})
			if !diags.HasErrors() || !strings.Contains(diags.Error(), name+" is not a regular file") {
				t.Fatalf("diags = %v", diags)
			}
		})
	}
}
