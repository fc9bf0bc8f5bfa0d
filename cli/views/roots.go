// Package views renders what commands found as text (gc -workspaces and
// gc's summary lines, snapshots, reproduce): the presentation apart from
// the command (cli) and from the operation (planner/ops, planner/reproduce),
// as Terraform keeps its command views. The state queries (versions,
// history, lineage, metrics) render in planner/query beside their -json
// reports.
package views

import (
	"fmt"
	"io"
	"time"

	"github.com/mlform/mlform/internal/textfmt"
	"github.com/mlform/mlform/planner/ops"
	"github.com/mlform/mlform/providers/storage"
)

// Roots prints gc -workspaces: per store, every workspace root (by name,
// as -forget-workspace takes it) and every store lock; own and backend
// are this workspace's lineage and state location, now the time a lock's
// staleness is judged at (listing takes no lock, so the store's "now" is
// this host's clock).
func Roots(w io.Writer, stores []*ops.StoreRoots, own, backend string, now time.Time) {
	for _, s := range stores {
		fmt.Fprintf(w, "storage %q: %s\n", s.Store, textfmt.Count(len(s.Roots), "workspace"))
		for _, r := range s.Roots {
			if r.Err != nil {
				fmt.Fprintf(w, "  DAMAGED %s: %v\n", r.Key, r.Err)
				continue
			}
			mine := ""
			switch {
			case r.Lineage == own && r.Root.Backend == backend:
				mine = " (this workspace)"
			case r.Lineage == own:
				mine = " (this workspace's lineage at another backend: a copy of its state, or its state before it moved)"
			}
			fmt.Fprintf(w, "  %s  %s, serial %d, written %s from %s, backend %s%s\n",
				r.Name, textfmt.Count(len(r.Root.IDs), "id"), r.Root.Serial, textfmt.Time(r.Root.Written), r.Root.Host, r.Root.Backend, mine)
		}
		for _, l := range s.Locks {
			if l.Err != nil {
				fmt.Fprintf(w, "  lock: unreadable: %v\n", l.Err)
				continue
			}
			stale := ""
			// As a taker judges it, by the lock object's modification time.
			if ok, why := l.Stale(now, storage.DefaultLockStale); ok && why != "" {
				stale = " (stale: " + why + ")"
			}
			fmt.Fprintf(w, "  lock: %s%s\n", l.Holder, stale)
		}
	}
}

// OtherWorkspaces says how many other workspaces' roots a store holds.
func OtherWorkspaces(n int) string {
	switch n {
	case 0:
		return "no other workspace uses it"
	case 1:
		return "1 other workspace uses it (what it references is kept)"
	}
	return fmt.Sprintf("%d other workspaces use it (what they reference is kept)", n)
}
