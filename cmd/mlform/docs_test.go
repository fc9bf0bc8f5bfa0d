package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/mlform/mlform/config/format"
	"github.com/mlform/mlform/internal/doctest"
	"github.com/mlform/mlform/internal/scripttest"
	"github.com/mlform/mlform/internal/wanttext"
)

// TestTutorial runs docs/tutorial.md as written: its files are created
// where the text creates them, its shell blocks run in order against the
// real mlform binary, and every output it shows is checked
// (internal/doctest). The trainer is Python's standard library only.
func TestTutorial(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not found: the tutorial's trainer is a Python script")
	}
	_, blocks := docBlocks(t, "../../docs/tutorial.md")
	kinds := map[string]int{}
	for _, b := range blocks {
		kinds[b.Kind]++
	}
	if kinds[doctest.KindFile] < 3 || kinds[doctest.KindShell] < 5 || kinds[doctest.KindExpect] < 5 {
		t.Fatalf("docs/tutorial.md has %v blocks: the walk-through lost its files, commands or outputs", kinds)
	}
	script, err := doctest.Script("docs/tutorial.md", blocks)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "tutorial.txtar"), script, 0o644); err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, scripttest.Params(dir))
}

// TestLanguageExampleIsShipped: the example at the top of docs/language.md
// is examples/churn/main.mlf.hcl, byte for byte, so the reference shows a
// configuration that is validated, run by make demo and tested.
func TestLanguageExampleIsShipped(t *testing.T) {
	md, blocks := docBlocks(t, "../../docs/language.md")
	shipped := readFile(t, "../../examples/churn/main.mlf.hcl")
	for _, b := range blocks {
		if b.Lang == "hcl" {
			if b.Body != string(shipped) {
				t.Errorf("docs/language.md:%d: the first hcl example differs from examples/churn/main.mlf.hcl; paste the file in:\n%s",
					b.Line, wanttext.FirstDiff("doc", b.Body, "example", string(shipped)))
			}
			if !regexp.MustCompile(`examples/churn/main\.mlf\.hcl`).Match(md[:bytes.Index(md, []byte("```hcl"))]) {
				t.Error("docs/language.md does not say its example is examples/churn/main.mlf.hcl")
			}
			return
		}
	}
	t.Fatal("docs/language.md has no hcl example")
}

// TestDocExamplesFormatted: every hcl example in docs/ is laid out as
// mlform fmt lays it out, so a configuration started from one passes
// mlform fmt -check in CI.
func TestDocExamplesFormatted(t *testing.T) {
	files, err := filepath.Glob("../../docs/*.md")
	if err != nil || len(files) == 0 {
		t.Fatalf("docs: %v", err)
	}
	n := 0
	for _, f := range files {
		_, blocks := docBlocks(t, f)
		for _, b := range blocks {
			if b.Lang != "hcl" {
				continue
			}
			n++
			got, diags := format.Source([]byte(b.Body), "example.mlf.hcl")
			if diags.HasErrors() {
				t.Errorf("%s:%d: %s", filepath.Base(f), b.Line, diags.Error())
				continue
			}
			if string(got) != b.Body {
				t.Errorf("docs/%s:%d: example not laid out as mlform fmt does:\n%s", filepath.Base(f), b.Line,
					wanttext.FirstDiff("doc", b.Body, "fmt", string(got)))
			}
		}
	}
	if n < 5 {
		t.Fatalf("found %d hcl examples in docs/; the parser lost them", n)
	}
}

// TestPlanJSONDocExample: the example plan document in docs/plan-json.md
// has the top-level fields the renderer writes, in its order (the golden
// planner/render/testdata/full.json), and the "Top level" table names
// each, so a script written from the page reads what mlform prints.
func TestPlanJSONDocExample(t *testing.T) {
	md, blocks := docBlocks(t, "../../docs/plan-json.md")
	want := topLevelKeys(t, "full.json", readFile(t, "../../planner/render/testdata/full.json"))
	found := false
	for _, b := range blocks {
		if b.Lang != "json" || !strings.Contains(b.Body, `"actions"`) || strings.Contains(b.Body, `"type":"apply"`) {
			continue
		}
		found = true
		got := topLevelKeys(t, fmt.Sprintf("docs/plan-json.md:%d", b.Line), []byte(b.Body))
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("docs/plan-json.md:%d: the example's top-level fields are\n  %v\nmlform writes\n  %v", b.Line, got, want)
		}
	}
	if !found {
		t.Fatal("docs/plan-json.md has no example plan document")
	}
	for _, k := range want {
		if !bytes.Contains(md, []byte("| `"+k+"` |")) {
			t.Errorf("docs/plan-json.md: the Top level table has no row for %q", k)
		}
	}
}

// docBlocks reads the Markdown file at path and returns it with its
// blocks (internal/doctest).
func docBlocks(t *testing.T, path string) ([]byte, []doctest.Block) {
	t.Helper()
	md := readFile(t, path)
	blocks, err := doctest.Parse(md)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return md, blocks
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func topLevelKeys(t *testing.T, name string, doc []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(doc))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("%s: not a JSON object: %v", name, err)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		keys = append(keys, tok.(string))
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("%s: %s: %v", name, tok, err)
		}
	}
	return keys
}
