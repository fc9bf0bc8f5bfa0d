package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/mlform/mlform/internal/doctest"
	"github.com/mlform/mlform/internal/scripttest"
)

// TestTutorial runs docs/tutorial.md as written: its files are created
// where the text creates them, its shell blocks run in order against the
// real mlform binary, and every output it shows is checked
// (internal/doctest). The trainer is Python's standard library only.
func TestTutorial(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not found: the tutorial's trainer is a Python script")
	}
	md, err := os.ReadFile("../../docs/tutorial.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks, err := doctest.Parse(md)
	if err != nil {
		t.Fatalf("docs/tutorial.md: %v", err)
	}
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
	md, err := os.ReadFile("../../docs/language.md")
	if err != nil {
		t.Fatal(err)
	}
	shipped, err := os.ReadFile("../../examples/churn/main.mlf.hcl")
	if err != nil {
		t.Fatal(err)
	}
	blocks, err := doctest.Parse(md)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range blocks {
		if b.Lang == "hcl" {
			if b.Body != string(shipped) {
				t.Errorf("docs/language.md:%d: the first hcl example differs from examples/churn/main.mlf.hcl; paste the file in:\n%s",
					b.Line, firstDiff(b.Body, string(shipped)))
			}
			if !regexp.MustCompile(`examples/churn/main\.mlf\.hcl`).Match(md[:bytes.Index(md, []byte("```hcl"))]) {
				t.Error("docs/language.md does not say its example is examples/churn/main.mlf.hcl")
			}
			return
		}
	}
	t.Fatal("docs/language.md has no hcl example")
}

// firstDiff shows the first line where a and b differ.
func firstDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(la) && i < len(lb); i++ {
		if la[i] != lb[i] {
			return fmt.Sprintf("line %d:\n  doc:     %s\n  example: %s", i+1, la[i], lb[i])
		}
	}
	return fmt.Sprintf("one is longer: %d lines vs %d", len(la), len(lb))
}

// TestCIRecipes: the CI files run the tested script's steps (the
// cloud_ci_recipe_s3 testscript runs examples/ci/mlform-ci.sh), hand the
// plan file over, and keep applies in one concurrency group with a
// schedule; docs/ci.md names every file.
func TestCIRecipes(t *testing.T) {
	read := func(p string) string {
		b, err := os.ReadFile(filepath.Join("../..", p))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	tests := []struct {
		file string
		want []string
	}{
		{"examples/ci/github/mlform-plan.yml", []string{"pull_request:", "ci/mlform-ci.sh plan", "actions/upload-artifact", "tfplan", "gh pr comment"}},
		{"examples/ci/github/mlform-apply.yml", []string{"types: [closed]", "merged == true", "actions/download-artifact", "ci/mlform-ci.sh apply",
			"cron:", "ci/mlform-ci.sh scheduled", "group: mlform-apply", "cancel-in-progress: false", "queue: max"}},
		{"examples/ci/gitlab/.gitlab-ci.yml", []string{"merge_request_event", "ci/mlform-ci.sh plan", "paths: [tfplan", "/notes",
			"ci/mlform-ci.sh apply", "$CI_PIPELINE_SOURCE == \"schedule\"", "ci/mlform-ci.sh scheduled", "resource_group: mlform-apply"}},
	}
	doc := read("docs/ci.md")
	for _, tt := range tests {
		got := read(tt.file)
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s lacks %q", tt.file, w)
			}
		}
		if !strings.Contains(doc, "`"+tt.file+"`") {
			t.Errorf("docs/ci.md does not name %s", tt.file)
		}
	}
	// The apply workflow's group is on its jobs: a run of a pull request
	// closed unmerged would otherwise wait in it and could displace a
	// merged one's apply.
	if strings.Contains(read("examples/ci/github/mlform-apply.yml"), "\nconcurrency:") {
		t.Error("examples/ci/github/mlform-apply.yml: concurrency at the workflow level; put it on the apply jobs")
	}
	// The golang images set GOTOOLCHAIN=local: an older Go than go.mod's
	// cannot go install mlform.
	goVersion := regexp.MustCompile(`(?m)^go (\d+)\.(\d+)`).FindStringSubmatch(read("go.mod"))
	image := regexp.MustCompile(`image: golang:(\d+)\.(\d+)`).FindStringSubmatch(read("examples/ci/gitlab/.gitlab-ci.yml"))
	if goVersion == nil || image == nil {
		t.Fatalf("go.mod's go line %v or the GitLab recipe's golang image %v not found", goVersion, image)
	}
	if atoi(t, image[1])*1000+atoi(t, image[2]) < atoi(t, goVersion[1])*1000+atoi(t, goVersion[2]) {
		t.Errorf("examples/ci/gitlab/.gitlab-ci.yml uses golang:%s.%s, older than go.mod's go %s.%s", image[1], image[2], goVersion[1], goVersion[2])
	}
	script := read("examples/ci/mlform-ci.sh")
	for _, step := range []string{"plan)", "apply)", "scheduled)"} {
		if !strings.Contains(script, "\n"+step+"\n") {
			t.Errorf("examples/ci/mlform-ci.sh has no %s step", step)
		}
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
