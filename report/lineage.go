package report

import (
	"fmt"
	"html/template"
	"strings"

	"github.com/mlform/mlform/internal/textfmt"
	"github.com/mlform/mlform/state"
)

// The lineage graph is hand-written SVG (gonum/plot draws charts, not
// graphs): three columns, dataset snapshots -> model versions -> aliases,
// an edge for every snapshot a version was trained on and for every alias
// to the version it serves now. Nodes link to their pages.

const (
	nodeW, nodeH, rowH = 300.0, 24.0, 32.0
	colGap             = 90.0
	margin             = 10.0
)

type lnode struct {
	id, label, title, href, class string
	col, row                      int
}

type ledge struct{ from, to string }

func lineageSVG(st *state.State, models []*modelView, datasets []*datasetView) template.HTML {
	var nodes []*lnode
	byID := map[string]*lnode{}
	rows := [3]int{}
	add := func(col int, id, label, title, href, class string) {
		if byID[id] != nil {
			return
		}
		n := &lnode{id: id, label: label, title: title, href: href, class: class, col: col, row: rows[col]}
		rows[col]++
		nodes = append(nodes, n)
		byID[id] = n
	}
	var edges []ledge
	// Snapshots: those versions used plus each dataset's current one, in
	// dataset then time order.
	used := map[string]bool{}
	for _, mv := range models {
		for _, v := range mv.Versions {
			for _, in := range v.Inputs {
				used[in.Dataset+"@"+in.Snapshot] = true
			}
		}
	}
	for _, dv := range datasets {
		all := append(append([]*snapView{}, dv.Retained...), dv.Snapshots...)
		for _, s := range all {
			key := dv.Name + "@" + s.ID
			if !used[key] && s != dv.Current {
				continue
			}
			add(0, "s:"+key, fmt.Sprintf("dataset.%s@%s", dv.Name, short(s.ID, 8)),
				fmt.Sprintf("dataset.%s@%s taken %s: %s", dv.Name, s.ID, stamp(s.CreatedAt), textfmt.Files(s.Files)), dv.Page, "snapshot")
		}
	}
	for _, mv := range models {
		for _, v := range mv.Versions {
			id := fmt.Sprintf("v:%s:%d", mv.Name, v.Version)
			add(1, id, fmt.Sprintf("model.%s v%d (%s)", mv.Name, v.Version, v.Status),
				fmt.Sprintf("model.%s v%d, %s, started %s", mv.Name, v.Version, v.Status, stamp(v.StartedAt)),
				mv.Page+fmt.Sprintf("#v%d", v.Version), v.Kind)
			for _, in := range v.Inputs {
				key := "s:" + in.Dataset + "@" + in.Snapshot
				if byID[key] == nil {
					// A snapshot with no record left (state rm): shown so the edge is honest.
					add(0, key, fmt.Sprintf("dataset.%s@%s", in.Dataset, short(in.Snapshot, 8)),
						fmt.Sprintf("dataset.%s@%s: no record in the state", in.Dataset, in.Snapshot), "", "missing")
				}
				edges = append(edges, ledge{key, id})
			}
		}
		for _, a := range mv.Aliases {
			id := "a:" + mv.Name + "@" + a.Name
			add(2, id, fmt.Sprintf("model.%s@%s -> v%d", mv.Name, a.Name, a.Version),
				fmt.Sprintf("alias %s of model.%s serves v%d", a.Name, mv.Name, a.Version), mv.Page+"#alias-"+anchor(a.Name), "alias")
			edges = append(edges, ledge{fmt.Sprintf("v:%s:%d", mv.Name, a.Version), id})
		}
	}
	maxRows := max(rows[0], rows[1], rows[2], 1)
	w := margin*2 + 3*nodeW + 2*colGap
	h := margin*2 + float64(maxRows)*rowH + 20
	pos := func(n *lnode) (x, y float64) {
		return margin + float64(n.col)*(nodeW+colGap), margin + 20 + float64(n.row)*rowH
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="lineage" role="img" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f">`, w, h, w, h)
	for i, t := range []string{"dataset snapshots", "model versions", "aliases"} {
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" class="colhead">%s</text>`, margin+float64(i)*(nodeW+colGap), margin+10, t)
	}
	for _, e := range edges {
		f, t := byID[e.from], byID[e.to]
		if f == nil || t == nil {
			continue
		}
		fx, fy := pos(f)
		tx, ty := pos(t)
		x1, y1, x2, y2 := fx+nodeW, fy+nodeH/2, tx, ty+nodeH/2
		fmt.Fprintf(&b, `<path class="edge" d="M%.1f %.1fC%.1f %.1f %.1f %.1f %.1f %.1f" data-from="%s" data-to="%s"/>`,
			x1, y1, x1+colGap/2, y1, x2-colGap/2, y2, x2, y2, esc(e.from), esc(e.to))
	}
	for _, n := range nodes {
		x, y := pos(n)
		open, end := "", ""
		if n.href != "" {
			open, end = fmt.Sprintf(`<a href="%s">`, esc(n.href)), "</a>"
		}
		fmt.Fprintf(&b, `%s<g class="node %s" data-node="%s"><title>%s</title><rect x="%.1f" y="%.1f" width="%.0f" height="%.0f" rx="4"/><text x="%.1f" y="%.1f">%s</text></g>%s`,
			open, esc(n.class), esc(n.id), esc(n.title), x, y, nodeW, nodeH, x+6, y+16, esc(clip(n.label, 44)), end)
	}
	b.WriteString("</svg>")
	return template.HTML(b.String())
}

func esc(s string) string { return template.HTMLEscapeString(s) }

// clip shortens a label to n runes (the title holds the whole text).
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
