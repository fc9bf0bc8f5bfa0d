package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlform/mlform/cli/views"
	"github.com/mlform/mlform/internal/textfmt"
	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/planner/ops"
	"github.com/mlform/mlform/planner/render"
)

func newGCCommand(g *Globals) *cobra.Command {
	var vf varFlags
	var lf LockFlags
	var dryRun, check, readData, rebuild, workspaces bool
	var forget string
	cmd := &cobra.Command{
		Use:   "gc",
		Short: "Delete store objects nothing references",
		Long: `gc deletes from every declared store what no workspace references any more:
snapshot and version manifests no record reaches, and packs holding none of
their data (for example packs left by an interrupted apply). It holds the state
lock, and in each store the exclusive store lock (waiting up to -lock-timeout
while an apply of any workspace writes to it).

A store may be shared by many workspaces, each with its own backend. Every
workspace keeps a root in each store it declares (written by init, apply and
gc): the ids its state references there. gc keeps everything this state or
any root references, so gc in one workspace never deletes another's data.
-workspaces lists the roots (and store locks) of every store. A workspace
whose state was deleted keeps protecting its data until its root is removed
with -forget-workspace LINEAGE (every root of that lineage) or NAME (one root,
as -workspaces lists it: a copy of a workspace, such as a directory copied with
its local state, has the same lineage and a root of its own).

-dry-run lists what would be deleted. -check deletes nothing: it verifies
every store end to end and that every object the state references is present
and intact (-read-data also re-hashes every chunk). -rebuild-index rebuilds a
damaged or lost store index from the packs, which carry their own index.`,
		Example: `  mlform gc -dry-run
  mlform gc
  mlform gc -lock-timeout=10m
  mlform gc -workspaces
  mlform gc -forget-workspace 0b6f8a52-6d0e-4d8f-9a51-1f0f5c3c2a77
  mlform gc -check -read-data
  mlform gc -rebuild-index`,
		Args: wantArgs(0, 0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if forget == "" && cmd.Flags().Changed("forget-workspace") {
				// An unset variable in a script ("$LINEAGE") must not
				// turn the forget asked for into a collection.
				return fmt.Errorf("-forget-workspace needs a lineage or a root's name (mlform gc -workspaces lists them); it was given an empty value, so nothing was done")
			}
			ws, m, closeAll, err := openWorkspaceState(ctx, g, &vf)
			if err != nil {
				return err
			}
			defer closeAll()
			if rebuild && (check || dryRun) {
				return fmt.Errorf("-rebuild-index repairs the index; run it alone, then mlform gc -check")
			}
			if countTrue(rebuild, check, dryRun, workspaces, forget != "") > 1 {
				return fmt.Errorf("-check, -dry-run, -rebuild-index, -workspaces and -forget-workspace each run alone")
			}
			if readData && !check {
				// Without -check, gc would delete: a user asking for a
				// verification must not get a collection instead.
				return fmt.Errorf("-read-data is only used with -check (mlform gc -check -read-data); gc without -check deletes unreferenced objects")
			}
			if workspaces {
				// It changes nothing: a store that does not exist yet is
				// listed as empty, not created; no state, no lineage.
				ws.NoCreateStores = true
				own := ""
				if st, err := m.ReadStored(ctx); err == nil {
					own = st.Lineage
				}
				res, err := ops.ListRoots(ctx, ws)
				views.Roots(g.Stdout, res, own, m.RootBackend(), time.Now())
				return err
			}
			// -check must be able to report a damaged index, and
			// -rebuild-index to repair one.
			ws.Repair = check || rebuild
			if check || dryRun {
				// They write nothing: a store that does not exist yet
				// reads as empty (what the state references there is
				// missing), and the backend is not remembered.
				ws.NoCreateStores = true
				writesNothing(g)
			}
			if check {
				// Read under a shared store lock: a gc of another
				// workspace must not delete garbage mid-check.
				ws.Locking = &engine.StoreLocking{Command: "gc -check", Timeout: lf.Timeout}
			}
			return withStateLock(ctx, g, m, lf, "gc", func() error {
				if rebuild {
					res, err := ops.RebuildIndexes(ctx, ws, lf.Timeout)
					for _, r := range res {
						fmt.Fprintf(g.Stdout, "storage %q: index rebuilt from %s\n", r.Store, textfmt.Count(r.Packs, "pack"))
					}
					return err
				}
				st, err := m.Read(ctx)
				if err != nil {
					return err
				}
				if forget != "" {
					stores, err := ops.ForgetWorkspace(ctx, ws, st, m.RootBackend(), forget)
					for _, name := range stores {
						fmt.Fprintf(g.Stdout, "storage %q: forgot workspace %s; the next gc may delete what only it referenced\n", name, forget)
					}
					return err
				}
				if check {
					checks, err := ops.CheckStores(ctx, ws, st, readData)
					if err != nil {
						return err
					}
					ok := true
					for _, c := range checks {
						r := c.Report
						fmt.Fprintf(g.Stdout, "storage %q: %s, %s, %s, %s, %s\n", c.Store,
							textfmt.Count(r.Packs, "pack"), textfmt.Count(r.Chunks, "chunk"), textfmt.Count(r.Manifests, "manifest"),
							textfmt.Count(r.Objects, "object"), textfmt.Count(r.UnindexedPacks, "unindexed pack"))
						for _, p := range r.Problems {
							fmt.Fprintf(g.Stdout, "  problem: %s\n", p)
						}
						for _, id := range c.Missing {
							what := "referenced by the state"
							if d := ops.DescribeRef(st, c.Store, id); d != "" {
								what = d
							}
							fmt.Fprintf(g.Stdout, "  missing or damaged: %s (%s)\n", id, what)
						}
						if mv := c.Moved; mv != nil && len(c.Missing) > 0 {
							url := "its url"
							if mv.At != "" {
								url = "its url (" + mv.At + ")"
							}
							fmt.Fprintf(g.Stdout, "  moved: the state recorded these objects in the store at %s, and %s now names %s: put the url back, or copy the old store there and run mlform init\n", mv.Old, url, mv.New)
						}
						for _, e := range c.BadRoots {
							fmt.Fprintf(g.Stdout, "  damaged workspace root: %v (gc refuses to collect past it; mlform gc -workspaces lists the roots)\n", e)
						}
						ok = ok && c.OK()
					}
					for _, gap := range ops.LineageGaps(st) {
						fmt.Fprintf(g.Stdout, "lineage: %s\n", gap)
						ok = false
					}
					if !ok {
						fmt.Fprintln(g.Stdout, "check: FAILED (problems above)\n"+
							"  A damaged or lost index: mlform gc -rebuild-index rebuilds it from the packs.\n"+
							"  A damaged or missing pack cannot be rebuilt from this store: restore it from a copy of the store.")
						return errSilent
					}
					fmt.Fprintln(g.Stdout, "check: OK: every object the state references is present and intact")
					return nil
				}
				res, err := ops.GC(ctx, ws, st, ops.GCOptions{DryRun: dryRun, LockTimeout: lf.Timeout, Backend: m.RootBackend()})
				for _, r := range res {
					if dryRun {
						fmt.Fprintf(g.Stdout, "storage %q: would delete %s and the packs only they use; %s left by interrupted writes; %s\n",
							r.Store, textfmt.Count(len(r.Unreferenced), "unreferenced manifest"), textfmt.Count(r.UnindexedPacks, "pack"), views.OtherWorkspaces(r.Workspaces))
						for _, id := range r.Unreferenced {
							fmt.Fprintf(g.Stdout, "  - manifest %s\n", id)
						}
						continue
					}
					rep := r.Report
					fmt.Fprintf(g.Stdout, "storage %q: deleted %s, %s, %s (%s); kept %s, %s, %s; %s\n", r.Store,
						textfmt.Count(rep.ManifestsDeleted, "manifest"), textfmt.Count(rep.ObjectsDeleted, "object"), textfmt.Count(rep.PacksDeleted, "pack"),
						render.Bytes(rep.BytesDeleted),
						textfmt.Count(rep.ManifestsKept, "manifest"), textfmt.Count(rep.ObjectsKept, "object"), textfmt.Count(rep.PacksKept, "pack"),
						views.OtherWorkspaces(r.Workspaces))
					if rep.MissingRootIDs > 0 {
						fmt.Fprintf(g.Stdout, "  warning: other workspaces' roots name %s this store no longer holds (their data was lost before; mlform gc -check in those workspaces)\n", textfmt.Count(rep.MissingRootIDs, "id"))
					}
				}
				return err
			})
		},
	}
	vf.register(cmd.Flags())
	lf.Register(cmd.Flags())
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "only list what would be deleted")
	cmd.Flags().BoolVar(&check, "check", false, "delete nothing; verify the stores and everything the state references")
	cmd.Flags().BoolVar(&readData, "read-data", false, "with -check, also re-hash every chunk")
	cmd.Flags().BoolVar(&workspaces, "workspaces", false, "list the workspaces (roots) and locks of every store; changes nothing")
	cmd.Flags().StringVar(&forget, "forget-workspace", "", "remove the roots of the workspace with this `LINEAGE` (or the one root of that name) from every store, so gc stops protecting what only it referenced")
	cmd.Flags().BoolVar(&rebuild, "rebuild-index", false, "rebuild each store's index from its packs (when an index object is damaged or lost); deletes nothing else")
	return cmd
}
