package config

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/mlform/mlform/config/diag"
	"github.com/mlform/mlform/config/syntax"
	"github.com/mlform/mlform/internal/testtree"
)

// fuzzSeeds are small configurations that together exercise most of the
// language: a few lines each, since the fuzzer minimizes every input that
// finds new coverage at a cost quadratic in its length (a kilobyte seed
// kept the workers minimizing for the whole run). largeSeeds get the same
// checks in TestFuzzChecksOnLargeSeeds.
func fuzzSeeds(f *testing.F) {
	for _, src := range []string{
		"locals {\n  a = local.b\n  b = local.a\n}\n",
		"d { a = 1, b = [1, 2], c = { x = 1 } }\n",
		"model \"m\" {\n  train { command = [\"t\"], params = { a = file(\"x\") } }\n}\n",
		"promotion \"p\" {\n  must_beat = { metric = \"a\", direction = \"lower\" }\n  publish = \"mem://\"\n}\n",
		// gateConfig, shortened: a gate on the candidate and the champion.
		"model \"m\" {\n  train { command = [\"t\"] }\n}\npromotion \"p\" {\n  model = model.m\n  alias = \"prod\"\n  gate {\n    condition = candidate.metrics.a >= try(champion.metrics.a, 0)\n  }\n}\n",
		// outputsConfig, shortened: a template output and a sensitive one.
		"variable \"t\" {\n  sensitive = true\n  default   = \"s3\"\n}\noutput \"o\" {\n  value = \"${var.t}-${coalesce(null, 1)}\"\n  sensitive = true\n}\n",
		// varsConfig, shortened: a typed object with an optional attribute.
		"variable \"o\" {\n  type    = object({ a = string, b = optional(number, 7) })\n  default = { a = \"x\" }\n}\n",
		"dataset \"d\" {\n  for_each = toset([\"a\"])\n  source = \"x/${each.key}\"\n}\n",
		"model \"m\" {\n  count = 2\n  train { command = [\"t${count.index}\"] }\n}\nmoved {\n  from = model.n\n  to = model.m[1]\n}\n",
		"x = \"${\"\n",
		"\xff\xfe{",
		// A stray NUL in text (reported at its position), a module source
		// template, and validations reading each other.
		"locals {\n  a = \"\xc3\xa9\x00\"\n}\n",
		"module \"m\" {\n  source = \"./${\"m\"}\"\n}\n",
		"variable \"a\" {\n  default = 1\n  validation {\n    condition     = var.a <= var.b\n    error_message = \"a.\"\n  }\n}\nvariable \"b\" {\n  default = 2\n  validation {\n    condition     = var.b >= var.a\n    error_message = \"b.\"\n  }\n}\n",
	} {
		f.Add([]byte(src))
	}
}

// largeSeeds are the configurations of a kilobyte or so that the fuzz
// targets were first seeded with: they get the same checks, once each.
func largeSeeds(t *testing.T) map[string][]byte {
	design, err := os.ReadFile("testdata/design/main.mlf.hcl")
	if err != nil {
		t.Fatal(err)
	}
	return map[string][]byte{
		"design":    design,
		"gates":     []byte(gateConfig),
		"outputs":   []byte(outputsConfig),
		"vars":      []byte(varsConfig),
		"expansion": []byte("dataset \"d\" {\n  for_each = toset([\"a\", \"b\"])\n  source = \"x/${each.key}\"\n}\nmodel \"m\" {\n  count = 2\n  datasets = [values(dataset.d)[count.index]]\n  train { command = [\"t\"] }\n}\nmoved {\n  from = model.n\n  to = model.m[1]\n}\noutput \"o\" {\n  for_each = model.m\n  value = each.value.name\n}\n"),
	}
}

// TestFuzzChecksOnLargeSeeds runs FuzzLoad's and FuzzParseConfig's checks
// on largeSeeds, and checks that the seeds but "expansion" (an output's
// for_each over a counted model is refused) load without errors, so the
// checks reach their gates and outputs.
func TestFuzzChecksOnLargeSeeds(t *testing.T) {
	dir := t.TempDir()
	for name, src := range largeSeeds(t) {
		t.Run(name, func(t *testing.T) {
			checkParse(t, src)
			testtree.Write(t, dir, map[string]string{"main.mlf.hcl": string(src)})
			if diags := checkLoad(t, dir); diags.HasErrors() != (name == "expansion") {
				t.Fatalf("errors %t: %v", diags.HasErrors(), diags)
			}
		})
	}
}

// fuzzWorkspace returns a directory that each execution of a fuzz target
// rewrites with its files and loads. A new directory per execution cost
// more than loading it (creating and removing directories was half of
// the workers' time); reusing one is sound as long as the directory holds
// exactly the files written, which each call checks. Files are rewritten
// in place (see rewrite); their names are plain file names.
func fuzzWorkspace(f *testing.F) func(t *testing.T, files map[string]string) string {
	dir := f.TempDir()
	return func(t *testing.T, files map[string]string) string {
		t.Helper()
		for name, content := range files {
			if err := rewrite(filepath.Join(dir, name), content); err != nil {
				t.Fatal(err)
			}
		}
		ents, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			if _, ok := files[e.Name()]; !ok || !e.Type().IsRegular() {
				t.Fatalf("the fuzz workspace holds %s, which this execution did not write", e.Name())
			}
		}
		return dir
	}
}

// rewrite makes content the content of the file at path, writing over
// the old content and then cutting the file to length, rather than
// truncating it to zero first as os.WriteFile does: ext4 writes a file
// truncated to zero to disk when it is closed (its auto_da_alloc
// heuristic), which was a quarter of each execution of FuzzLoad.
func rewrite(path, content string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	_, err = f.WriteString(content)
	if err == nil {
		err = f.Truncate(int64(len(content)))
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// FuzzLoad: any bytes as a configuration file must load or fail with
// diagnostics, never panic; a loaded configuration's gates and outputs can
// be evaluated.
func FuzzLoad(f *testing.F) {
	fuzzSeeds(f)
	workspace := fuzzWorkspace(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		checkLoad(t, workspace(t, map[string]string{"main.mlf.hcl": string(src)}))
	})
}

// checkLoad is FuzzLoad's (and FuzzVarsFileJSON's) check of the
// workspace in dir.
func checkLoad(t *testing.T, dir string) hcl.Diagnostics {
	t.Helper()
	cfg, diags := Load(dir, LoadOptions{Getenv: noEnv, Version: "0.1.0", Vars: nil})
	if cfg == nil {
		t.Fatal("Load returned a nil Config")
	}
	var buf bytes.Buffer
	if err := diag.Write(&buf, diags, cfg.Files, false); err != nil {
		t.Fatal(err)
	}
	_ = diag.NewValidateJSON(diags, cfg.Files)
	if diags.HasErrors() {
		if len(diags.Errs()) == 0 {
			t.Fatal("errors without diagnostics")
		}
		return diags
	}
	for _, p := range cfg.Promotions {
		for _, g := range p.Gates {
			cfg.EvalGate(g, map[string]float64{"accuracy": 0.9}, nil)
		}
	}
	cfg.EvalOutputs(World{})
	return diags
}

// FuzzParseConfig: parsing never panics, positions match the source, and
// the block a "Commas between a block's arguments" error tells the user to
// write parses.
func FuzzParseConfig(f *testing.F) {
	fuzzSeeds(f)
	f.Add([]byte("a {\n  b \"x\" { c = [1, 2], d = { e = 1, f = \"${g(1, 2)}\" } }\n}\n"))
	f.Fuzz(checkParse)
}

// checkParse is FuzzParseConfig's check of src.
func checkParse(t *testing.T, src []byte) {
	t.Helper()
	file, diags := syntax.Parse(src, "x.hcl")
	for _, d := range diags {
		if d.Subject != nil && (d.Subject.Start.Byte < 0 || d.Subject.Start.Byte > len(src)) {
			t.Fatalf("%s: byte %d outside the source", d.Summary, d.Subject.Start.Byte)
		}
		if d.Summary != syntax.CommaBlockSummary {
			continue
		}
		layout, ok := strings.CutPrefix(d.Detail, syntax.CommaBlockIntro)
		if !ok {
			t.Fatalf("detail %q", d.Detail)
		}
		layout = strings.ReplaceAll(strings.TrimPrefix(layout, "  "), "\n  ", "\n")
		if _, pd := hclsyntax.ParseConfig([]byte(layout+"\n"), "hint.hcl", hcl.InitialPos); pd.HasErrors() {
			t.Fatalf("the suggested block does not parse:\n%s\n%v", layout, pd)
		}
	}
	if file == nil || diags.HasErrors() {
		return // after a syntax error HCL's recovery may place items loosely
	}
	if !bytes.Equal(file.Bytes, src) {
		t.Fatal("File.Bytes differs from the source")
	}
	body, ok := file.Body.(*hclsyntax.Body)
	if !ok {
		return
	}
	var walk func(b *hclsyntax.Body)
	walk = func(b *hclsyntax.Body) {
		for name, a := range b.Attributes {
			r := a.SrcRange
			if r.Start.Byte < 0 || r.Start.Byte > len(src) {
				t.Fatalf("%s: byte %d outside the source", name, r.Start.Byte)
			}
			if line := bytes.Count(src[:r.Start.Byte], []byte("\n")) + 1; line != r.Start.Line {
				t.Fatalf("%s: line %d, but byte %d is on line %d", name, r.Start.Line, r.Start.Byte, line)
			}
		}
		for _, blk := range b.Blocks {
			walk(blk.Body)
		}
	}
	walk(body)
}

// FuzzVarsFileJSON: an auto-loaded *.mlfvars.json of any content gives
// diagnostics, never a panic, and its snippets render.
func FuzzVarsFileJSON(f *testing.F) {
	f.Add([]byte(`{"n": 1, "s": "${x}", "o": {"a": [1, 2]}}`))
	f.Add([]byte(`[1]`))
	f.Add([]byte(`{"n": `))
	workspace := fuzzWorkspace(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		conf := "variable \"n\" {\n  type = number\n  default = 1\n}\nvariable \"s\" {\n  default = \"\"\n}\n"
		checkLoad(t, workspace(t, map[string]string{"main.mlf.hcl": conf, "a.mlfvars.json": string(src)}))
	})
}
