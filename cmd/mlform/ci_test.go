package main

import (
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestCIRecipes: the CI files of examples/ci parse, run the tested
// script's steps (the cloud_ci_recipe_s3 testscript runs
// examples/ci/mlform-ci.sh), hand the plan file over, keep applies in one
// concurrency group that drops none with a schedule, and build mlform with
// a Go as new as go.mod's; docs/ci.md names every file.
func TestCIRecipes(t *testing.T) {
	read := func(p string) string { return string(readFile(t, filepath.Join("../..", p))) }
	tests := []struct {
		file string
		want []string
	}{
		{"examples/ci/github/mlform-plan.yml", []string{"ci/mlform-ci.sh plan", "actions/upload-artifact", "tfplan", "ci/mlform-ci.sh comment 60000", "gh pr comment", "--body-file comment.md"}},
		{"examples/ci/github/mlform-apply.yml", []string{"merged == true", "actions/download-artifact", "ci/mlform-ci.sh apply", "ci/mlform-ci.sh scheduled"}},
		{"examples/ci/gitlab/.gitlab-ci.yml", []string{"merge_request_event", "ci/mlform-ci.sh plan", "ci/mlform-ci.sh comment 900000", "body@comment.md", "/notes",
			"ci/mlform-ci.sh apply", `$CI_PIPELINE_SOURCE == "schedule"`, "ci/mlform-ci.sh scheduled"}},
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
	script := read("examples/ci/mlform-ci.sh")
	for _, step := range []string{"plan)", "comment)", "apply)", "scheduled)"} {
		if !strings.Contains(script, "\n"+step+"\n") {
			t.Errorf("examples/ci/mlform-ci.sh has no %s step", step)
		}
	}

	parse := func(file string) map[string]any {
		var doc map[string]any
		if err := yaml.Unmarshal([]byte(read(file)), &doc); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		return doc
	}
	// The plan workflow: every pull request, the newest push wins.
	plan := parse("examples/ci/github/mlform-plan.yml")
	if _, ok := get(plan, "on", "pull_request"); !ok {
		t.Error("mlform-plan.yml does not run on pull_request")
	}
	if g, _ := get(plan, "concurrency", "group"); !strings.Contains(str(g), "pull_request.number") {
		t.Errorf("mlform-plan.yml: concurrency group %v is not per pull request", g)
	}
	// The apply workflow: merged pull requests and a schedule; the group is
	// on its jobs (a run of a pull request closed unmerged would otherwise
	// wait in it), and queue: max keeps every waiting apply.
	apply := parse("examples/ci/github/mlform-apply.yml")
	if types, _ := get(apply, "on", "pull_request", "types"); !slices.Contains(strs(types), "closed") {
		t.Errorf("mlform-apply.yml: pull_request types %v lack closed", types)
	}
	if sched, _ := get(apply, "on", "schedule"); len(sched.([]any)) == 0 {
		t.Error("mlform-apply.yml has no schedule")
	} else if cron, _ := get(sched.([]any)[0], "cron"); str(cron) == "" {
		t.Errorf("mlform-apply.yml: schedule %v has no cron", sched)
	}
	if _, ok := apply["concurrency"]; ok {
		t.Error("mlform-apply.yml: concurrency at the workflow level; put it on the apply jobs")
	}
	jobs, _ := apply["jobs"].(map[string]any)
	if len(jobs) != 2 {
		t.Errorf("mlform-apply.yml: jobs %v, want the reviewed-plan apply and the scheduled apply", keys(jobs))
	}
	for name := range jobs {
		c, _ := get(jobs, name, "concurrency")
		want := map[string]any{"group": "mlform-apply", "cancel-in-progress": false, "queue": "max"}
		cm, _ := c.(map[string]any)
		for k, v := range want {
			if cm[k] != v {
				t.Errorf("mlform-apply.yml: job %s: concurrency %s = %v, want %v", name, k, cm[k], v)
			}
		}
	}
	// GitLab: both apply jobs in one resource group, the plan file kept,
	// and an image whose Go can build mlform (the golang images set
	// GOTOOLCHAIN=local: go install fetches no newer toolchain).
	gl := parse("examples/ci/gitlab/.gitlab-ci.yml")
	for _, job := range []string{"mlform-apply", "mlform-scheduled"} {
		if g, _ := get(gl, job, "resource_group"); g != "mlform-apply" {
			t.Errorf(".gitlab-ci.yml: %s resource_group = %v, want mlform-apply", job, g)
		}
	}
	if paths, _ := get(gl, "mlform-plan", "artifacts", "paths"); !slices.Contains(strs(paths), "tfplan") {
		t.Errorf(".gitlab-ci.yml: mlform-plan artifacts %v lack tfplan", paths)
	}
	image, _ := get(gl, "default", "image")
	goVersion := regexp.MustCompile(`(?m)^go (\d+)\.(\d+)`).FindStringSubmatch(read("go.mod"))
	imageVersion := regexp.MustCompile(`^golang:(\d+)\.(\d+)`).FindStringSubmatch(str(image))
	if goVersion == nil || imageVersion == nil {
		t.Fatalf("go.mod's go line %v or the GitLab recipe's golang image %v not found", goVersion, image)
	}
	if version(t, imageVersion) < version(t, goVersion) {
		t.Errorf(".gitlab-ci.yml uses %v, older than go.mod's go %s.%s", image, goVersion[1], goVersion[2])
	}
}

// get walks nested YAML maps by key.
func get(v any, path ...string) (any, bool) {
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[k]; !ok {
			return nil, false
		}
	}
	return v, true
}

func str(v any) string { s, _ := v.(string); return s }

// strs is a YAML list's strings (nil for anything else).
func strs(v any) []string {
	l, _ := v.([]any)
	var out []string
	for _, x := range l {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// version is major*1000+minor of a regexp match (whole, major, minor).
func version(t *testing.T, m []string) int {
	t.Helper()
	major, err1 := strconv.Atoi(m[1])
	minor, err2 := strconv.Atoi(m[2])
	if err1 != nil || err2 != nil {
		t.Fatalf("version %q", m[0])
	}
	return major*1000 + minor
}
