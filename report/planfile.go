package report

// This file is the report's only contact with the planner: it reads a
// saved plan file with the planner's reader and maps the Plan onto
// PlanView, the report's own model of it. When the planner's packages
// move, only this file changes.

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/mlform/mlform/internal/textfmt"
	"github.com/mlform/mlform/planner/plans"
)

// PlanView is what the plan page shows of a saved plan.
type PlanView struct {
	File          string
	CreatedAt     time.Time
	MLFormVersion string
	Lineage       string
	Serial        uint64
	Targets       []string
	Replace       []string
	Refreshed     bool
	Actions       []PlanAction
	// Moves are the plan's moved-block migrations, which apply performs
	// before any action: a plan of renames only has changes too.
	Moves  []PlanMove
	Notes  []PlanNote
	Counts []kv // kind -> count
	// Stale says, when the plan was made against another state or serial
	// than the one reported, that apply would refuse it (set by gather).
	Stale string
}

// staleness is why plan p does not describe state st as it is now ("" when
// it does): apply refuses a plan made at another serial or for another
// state, so what it shows as pending may be done already or no longer
// planned.
func staleness(p *PlanView, lineage string, serial uint64) string {
	switch {
	case p.Lineage != lineage:
		return fmt.Sprintf("This plan was made for another state (lineage %s; the state reported here is %s): mlform apply would refuse it, and what it shows is not about this state.", p.Lineage, lineage)
	case p.Serial != serial:
		return fmt.Sprintf("This plan is stale: it was made against state serial %d and the state is now at serial %d, so mlform apply would refuse it, and what it shows as pending may be done already or no longer planned. Run mlform plan -out=PLANFILE again for a current page.", p.Serial, serial)
	}
	return ""
}

// PlanAction is one action of the plan.
type PlanAction struct {
	Kind, Addr string
	Model      string // the model it concerns ("" for datasets)
	Reasons    []string
	Details    []string
}

// PlanMove is one moved block's migration: what state records at From
// it records at To from now on (the plan's actions already use To).
type PlanMove struct{ From, To string }

// PlanNote is one note (deferred retrain, held candidate, empty dataset).
type PlanNote struct {
	Addr, Code, Message string
	Model               string
	DueAt               time.Time
}

// ReadPlanFile reads and validates a saved plan (untrusted: checksum,
// strict decoding and validation are the planner's) into a PlanView.
func ReadPlanFile(path string) (*PlanView, error) {
	p, err := plans.ReadPlanFile(path)
	if err != nil {
		return nil, err
	}
	return planView(path, p), nil
}

func planView(path string, p *plans.Plan) *PlanView {
	v := &PlanView{File: path, CreatedAt: p.CreatedAt, MLFormVersion: p.MLFormVersion, Lineage: p.Lineage,
		Serial: p.Serial, Targets: p.Targets, Replace: p.Replace, Refreshed: p.Refreshed}
	counts := map[string]int{}
	for _, m := range p.Moves {
		if m == nil {
			continue
		}
		counts["moved"]++
		v.Moves = append(v.Moves, PlanMove{From: m.From, To: m.To})
	}
	for _, a := range p.Actions {
		if a == nil {
			continue
		}
		counts[a.Kind]++
		pa := PlanAction{Kind: a.Kind, Addr: a.Addr}
		for _, r := range a.Reasons {
			pa.Reasons = append(pa.Reasons, r.Message)
		}
		switch {
		case a.Snapshot != nil:
			s := a.Snapshot
			pa.Details = append(pa.Details, fmt.Sprintf("snapshot %s: %s, %s", short(s.NewID, 12), textfmt.Files(s.Files), textfmt.Count(int(s.Bytes), "byte")))
			if s.DiffKnown {
				pa.Details = append(pa.Details, fmt.Sprintf("%d added, %d changed, %d removed", s.Added, s.Changed, s.Removed))
			}
		case a.Train != nil:
			t := a.Train
			pa.Model = t.Model
			pa.Details = append(pa.Details, fmt.Sprintf("trains v%d", t.Version))
			for _, c := range t.ParamChanges {
				if c.Sensitive {
					pa.Details = append(pa.Details, c.Path+": (sensitive value)")
					continue
				}
				pa.Details = append(pa.Details, paramChangeText(c))
			}
		case a.Evaluate != nil:
			pa.Model = a.Evaluate.Model
			pa.Details = append(pa.Details, fmt.Sprintf("evaluates v%d on current data", a.Evaluate.Version))
		case a.Promote != nil:
			pr := a.Promote
			pa.Model = pr.Model
			to := fmt.Sprintf("v%d", pr.To)
			if pr.To == 0 || pr.KnownAfterApply {
				to = "candidate (known after apply)"
			}
			from := "(none)"
			if pr.From > 0 {
				from = fmt.Sprintf("v%d", pr.From)
			}
			pa.Details = append(pa.Details, fmt.Sprintf("alias %s: %s -> %s", pr.Alias, from, to))
		case a.Publish != nil:
			pa.Model = a.Publish.Model
			pa.Details = append(pa.Details, "publish to "+a.Publish.URL)
		case a.Forget != nil:
			pa.Model = a.Forget.Model
		}
		v.Actions = append(v.Actions, pa)
	}
	for _, n := range p.Notes {
		if n == nil {
			continue
		}
		pn := PlanNote{Addr: n.Addr, Code: string(n.Code), Message: n.Message, DueAt: n.DueAt}
		if m, ok := strings.CutPrefix(n.Addr, "model."); ok {
			pn.Model = m
		}
		v.Notes = append(v.Notes, pn)
	}
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		v.Counts = append(v.Counts, kv{k, fmt.Sprint(counts[k])})
	}
	return v
}

// paramChangeText is "params.x: 0.05 -> 0.08": "(none)" for the side a
// param is added or removed on, "null" for a param set to null (as the
// plan's own text says it, planner/render.ChangeLine).
func paramChangeText(c plans.Change) string {
	side := func(v any, has bool) string {
		switch {
		case !has:
			return "(none)"
		case v == nil:
			return "null"
		}
		return fmt.Sprint(v)
	}
	return fmt.Sprintf("%s: %s -> %s", c.Path, side(c.Old, c.HasOld()), side(c.New, c.HasNew()))
}
