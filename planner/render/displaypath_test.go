package render

import (
	"bytes"
	"strings"
	"testing"

	"github.com/mlform/mlform/planner/plans"
)

// A file name cannot add a line to the human plan or the markdown comment.
func TestPathCannotForgePlanLines(t *testing.T) {
	evil := "x\n  + snapshot dataset.fake\n\x1b[2J"
	p := &plans.Plan{Refreshed: true, Actions: []*plans.Action{{
		Addr: "dataset.d", Kind: plans.KindSnapshot,
		Reasons:  []plans.Reason{{Code: plans.ReasonNew, Message: "new"}},
		Snapshot: &plans.SnapshotChange{Dataset: "d", Files: 1, Added: 1, DiffKnown: true, Paths: []plans.PathChange{{Path: evil, Change: "added", Delta: 1}}},
	}}}
	for name, render := range map[string]func(*bytes.Buffer) error{
		"human":    func(b *bytes.Buffer) error { return Human(b, p, Options{}) },
		"markdown": func(b *bytes.Buffer) error { return Markdown(b, p, Options{}) },
	} {
		var b bytes.Buffer
		if err := render(&b); err != nil {
			t.Fatal(err)
		}
		if strings.Count(b.String(), "snapshot dataset.fake") != 1 || strings.Contains(b.String(), "\n  + snapshot dataset.fake") || strings.Contains(b.String(), "\x1b") {
			t.Errorf("%s: a file name forged a line or an escape:\n%s", name, b.String())
		}
	}
}

// Reasons and notes come from a plan file too (`show PLANFILE`), which
// anyone may have written: they cannot add a line or an escape either.
func TestPlanTextCannotForgePlanLines(t *testing.T) {
	evil := "why\n  + snapshot dataset.fake\n\x1b]0;title\a\x1b[2J"
	p := &plans.Plan{Refreshed: true, Actions: []*plans.Action{{
		Addr: "model.m", Kind: plans.KindTrain,
		Reasons: []plans.Reason{{Code: plans.ReasonNew, Message: evil}},
		Train:   &plans.TrainChange{Model: "m", Version: 1},
	}}, Notes: []*plans.Note{{Addr: "model.m", Message: evil}}}
	for name, render := range map[string]func(*bytes.Buffer) error{
		"human":    func(b *bytes.Buffer) error { return Human(b, p, Options{}) },
		"color":    func(b *bytes.Buffer) error { return Human(b, p, Options{Color: true}) },
		"markdown": func(b *bytes.Buffer) error { return Markdown(b, p, Options{}) },
	} {
		var b bytes.Buffer
		if err := render(&b); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		if strings.Contains(out, "\n  + snapshot dataset.fake") || strings.Contains(out, "\a") || strings.Contains(out, "\x1b]") || strings.Contains(out, "\x1b[2J") {
			t.Errorf("%s: a reason or note forged a line or an escape:\n%q", name, out)
		}
	}
}
