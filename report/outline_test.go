package report

import (
	"fmt"
	"strings"
	"time"

	"golang.org/x/net/html"

	"github.com/mlform/mlform/planner/plans"
)

// outline renders a page's structure for the golden files: one line per
// element (tag, id, class, href, data-metric/points) and per text, nested
// by indentation. Styles are left out and each inline <svg> is one line
// with its markers (the chart pixels belong to gonum/plot, not to us).
func outline(page string) (string, error) {
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		return "", err
	}
	var b strings.Builder
	var walk func(n *html.Node, depth int)
	walk = func(n *html.Node, depth int) {
		ind := strings.Repeat("  ", depth)
		switch n.Type {
		case html.TextNode:
			txt := strings.Join(strings.Fields(n.Data), " ")
			if txt != "" {
				fmt.Fprintf(&b, "%s%q\n", ind, txt)
			}
			return
		case html.ElementNode:
			if n.Data == "style" || n.Data == "meta" {
				return
			}
			line := ind + n.Data
			for _, k := range []string{"id", "class", "href", "data-metric", "data-points", "data-node"} {
				if v, ok := attrOf(n, k); ok {
					line += fmt.Sprintf(" %s=%q", k, v)
				}
			}
			if n.Data == "svg" {
				var marks []string
				var nodes, edges int
				var scan func(c *html.Node)
				scan = func(c *html.Node) {
					if c.Type == html.ElementNode {
						for _, k := range []string{"data-version", "data-snapshot"} {
							if v, ok := attrOf(c, k); ok {
								marks = append(marks, k+"="+short(v, 8)+"/"+classOf(c))
							}
						}
						if _, ok := attrOf(c, "data-node"); ok {
							nodes++
						}
						if _, ok := attrOf(c, "data-from"); ok {
							edges++
						}
					}
					for k := c.FirstChild; k != nil; k = k.NextSibling {
						scan(k)
					}
				}
				scan(n)
				fmt.Fprintf(&b, "%s markers=[%s] nodes=%d edges=%d\n", line, strings.Join(marks, " "), nodes, edges)
				return
			}
			b.WriteString(line + "\n")
			depth++
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, depth)
		}
	}
	walk(doc, 0)
	return b.String(), nil
}

func attrOf(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func classOf(n *html.Node) string {
	v, _ := attrOf(n, "class")
	return strings.TrimPrefix(v, "point ")
}

// testPlan is a saved plan as the planner would have made it: a snapshot,
// a retrain with its reasons, a promotion decided at apply, a deferred note.
func testPlan() *PlanView {
	p := &plans.Plan{FormatVersion: plans.PlanFormatVersion, CreatedAt: t0.Add(119 * time.Hour), MLFormVersion: "test",
		Lineage: "5d2a6c1e-0000-4000-8000-000000000001", Serial: 9, Refreshed: true,
		Actions: []*plans.Action{
			{Addr: "dataset.churn", Kind: plans.KindSnapshot, Reasons: []plans.Reason{{Code: plans.ReasonDataChanged, Message: "1 file added"}},
				Snapshot: &plans.SnapshotChange{Dataset: "churn", NewID: strings.Repeat("4", 64), Files: 4, Bytes: 4096, Added: 1, DiffKnown: true}},
			{Addr: "model.churn", Kind: plans.KindTrain, Reasons: []plans.Reason{{Code: plans.ReasonDrift, Message: "drift in tenure: PSI 0.41 > 0.2"}},
				Train: &plans.TrainChange{Model: "churn", Version: 6, ParamChanges: []plans.Change{{Path: "params.learning_rate", Old: 0.05, New: 0.08}}}},
			{Addr: "promotion.churn_production", Kind: plans.KindPromote, Reasons: []plans.Reason{{Code: plans.ReasonCandidate, Message: "v6 may be promoted"}},
				Promote: &plans.PromoteChange{Model: "churn", Promotion: "churn_production", Alias: "production", From: 5, KnownAfterApply: true, Gates: 2}},
		},
		Notes: []*plans.Note{{Addr: "model.fraud", Code: plans.ReasonCode("deferred"), Message: "retrain deferred by cooldown", DueAt: t0.Add(140 * time.Hour)}},
	}
	return planView("tfplan", p)
}
