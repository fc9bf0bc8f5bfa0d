package cli

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/spf13/cobra"

	"github.com/mlform/mlform/internal/readfile"
	"github.com/mlform/mlform/internal/textfmt"
	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/planner/query"
	"github.com/mlform/mlform/state"
	"github.com/mlform/mlform/state/statemgr"
)

func newStateCommand(g *Globals) *cobra.Command {
	return groupCommand(g, &cobra.Command{
		Use:   "state",
		Short: "Inspect and edit the recorded state",
		Long: `The state records every dataset snapshot, model version and alias mlform
has created. These commands read it, and repair it when something went wrong.
Commands that change it take the state lock (-lock, -lock-timeout).`,
		Example: `  mlform state list
  mlform state show model.churn@production
  mlform state pull > backup.json`,
	}, newStateListCommand(g), newStateShowCommand(g), newStateRmCommand(g),
		newStatePullCommand(g), newStatePushCommand(g))
}

// wantArgs checks the number of arguments (hi -1: no limit) and says what
// was expected in words.
func wantArgs(lo, hi int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < lo || (hi >= 0 && len(args) > hi) {
			return fmt.Errorf("%s takes %s; got %s", cmd.CommandPath(), what, textfmt.Count(len(args), "argument"))
		}
		return nil
	}
}

func parseAddresses(args []string) ([]state.Address, error) {
	out := make([]state.Address, 0, len(args))
	for _, a := range args {
		addr, err := query.ParseAddressOrModule(a)
		if err != nil {
			return nil, err
		}
		out = append(out, addr)
	}
	return out, nil
}

func newStateListCommand(g *Globals) *cobra.Command {
	return &cobra.Command{
		Use:   "list [ADDR...]",
		Short: "List everything recorded in the state",
		Long: `List prints one address per line: dataset.NAME, model.NAME, model.NAME@VERSION
and model.NAME@ALIAS. Given addresses, it lists only those and what lies under
them (model.NAME covers its versions and aliases, module.NAME everything in the
module).`,
		Example: `  mlform state list
  mlform state list model.churn`,
		RunE: func(cmd *cobra.Command, args []string) error {
			filters, err := parseAddresses(args)
			if err != nil {
				return err
			}
			s, err := readState(cmd.Context(), g)
			if err != nil {
				return err
			}
			for _, a := range s.AddressesUnder(filters) {
				fmt.Fprintln(g.Stdout, a)
			}
			return nil
		},
	}
}

func newStateShowCommand(g *Globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show ADDR",
		Short: "Show one recorded dataset, snapshot, model, version or alias",
		Example: `  mlform state show dataset.churn
  mlform state show dataset.churn@72f28763
  mlform state show model.churn@7
  mlform state show model.churn@production -json`,
		Args: wantArgs(1, 1, "one address, like model.churn@production"),
		RunE: func(cmd *cobra.Command, args []string) error {
			addr, err := query.ParseAddress(args[0])
			if err != nil {
				return err
			}
			s, err := readState(cmd.Context(), g)
			if err != nil {
				return err
			}
			obj, err := s.Lookup(addr)
			if err != nil {
				return err
			}
			if !asJSON {
				return state.WriteHuman(g.Stdout, addr, obj)
			}
			return textfmt.WriteJSON(g.Stdout, obj)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the recorded object as JSON")
	return cmd
}

func newStateRmCommand(g *Globals) *cobra.Command {
	var (
		lf    LockFlags
		force bool
	)
	cmd := &cobra.Command{
		Use:   "rm ADDR...",
		Short: "Forget datasets, snapshots, models, versions or aliases",
		Long: `rm removes addresses from the state, under the state lock: dataset.NAME,
dataset.NAME@SNAPSHOT (an id or a unique prefix of at least 8 digits),
model.NAME, model.NAME@VERSION, model.NAME@ALIAS, or a module (module.NAME,
module.NAME["KEY"]: every model and dataset under it). Nothing is deleted from
the store: snapshots and artifacts stay until ` + "`mlform gc`" + ` finds them
unreferenced.

Lineage is protected: a dataset or snapshot that recorded versions were
trained on is refused, naming those versions. -force forgets it anyway but
keeps the records of the snapshots those versions use, so gc keeps their
data and reproduce and pull of the versions still work. A model with jobs no
apply has collected yet is refused too (-force forgets them and their results). A version an alias
points at cannot be removed (not even with -force): move or remove the alias
first. Version numbers are never reused, even after rm.`,
		Example: `  mlform state rm model.churn@3
  mlform state rm model.churn@staging
  mlform state rm dataset.churn@72f28763
  mlform state rm -force dataset.old_events
  mlform state rm 'module.region["eu"]'`,
		Args: wantArgs(1, -1, "at least one address, like model.churn@3"),
		RunE: func(cmd *cobra.Command, args []string) error {
			addrs, err := parseAddresses(args)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			var s *state.State
			var removed []state.Address
			retained := 0
			err = lockedState(ctx, g, lf, "state rm", func(m *statemgr.Manager) error {
				s, err = m.Update(ctx, func(s *state.State) error {
					// A state put back by hand is refused, as apply and gc
					// refuse it. Best effort when the configuration does
					// not load (updateRoots warns then).
					if ws, werr := rootsWorkspace(g); werr == nil && ws != nil {
						defer ws.Close()
						if err := refuseRestored(ctx, ws, m, s); err != nil {
							return err
						}
					}
					before := countRetained(s)
					removed = removed[:0]
					// Every address must name something recorded before
					// anything is removed; one an earlier address already
					// forgot (given twice, or a version of a model removed
					// whole) is then covered, not "not in the state".
					var all []state.Address
					for _, a := range addrs {
						each := []state.Address{a}
						if a.Kind == state.AddrModule {
							var merr error
							if each, merr = s.ModuleContents(a); merr != nil {
								return merr
							}
						}
						for _, a := range each {
							if _, err := s.Lookup(a); err != nil {
								return err
							}
						}
						all = append(all, each...)
					}
					remove := s.Remove
					if force {
						remove = s.ForceRemove
					}
					for _, a := range all {
						if _, err := s.Lookup(a); err != nil {
							continue
						}
						if err := remove(a); err != nil {
							return err
						}
						removed = append(removed, a)
					}
					retained = countRetained(s) - before
					return nil
				})
				if err == nil {
					updateRoots(ctx, g, m, s)
				}
				return err
			})
			if err != nil {
				return err
			}
			for _, a := range removed {
				fmt.Fprintf(g.Stdout, "Removed %s\n", a)
			}
			if retained > 0 {
				fmt.Fprintf(g.Stdout, "Kept the records of %s that recorded versions use: gc keeps their data.\n", textfmt.Count(retained, "snapshot"))
			}
			fmt.Fprintf(g.Stdout, "State serial %d. Store objects are kept; `mlform gc` removes what nothing references.\n", s.Serial)
			return nil
		},
	}
	lf.Register(cmd.Flags())
	cmd.Flags().BoolVar(&force, "force", false, "forget datasets and snapshots that recorded versions use (their records stay for those versions), and a model whose batch jobs no apply has collected (with those jobs)")
	return cmd
}

// countRetained counts the snapshot records kept for lineage only.
func countRetained(s *state.State) int {
	n := 0
	for _, d := range s.RetainedSnapshots {
		n += len(d.Snapshots)
	}
	return n
}

func newStatePullCommand(g *Globals) *cobra.Command {
	var backup, salvage bool
	cmd := &cobra.Command{
		Use:   "pull",
		Short: "Print the raw state document",
		Long: `pull prints the stored state document, byte for byte, after checking that it is
intact. -backup prints the previous state instead: the way back from a damaged
state is ` + "`mlform state pull -backup > restored.json`" + ` then
` + "`mlform state push -force restored.json`" + `. When state.json is intact but
the journal of changes after it is damaged, -salvage prints state.json with
the journal's changes before the damage, which holds more than the backup
(the error that refused the state says which to use).`,
		Example: `  mlform state pull > state.json
  mlform state pull -backup > restored.json
  mlform state pull -salvage > restored.json`,
		Args: wantArgs(0, 0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := openState(cmd.Context(), g)
			if err != nil {
				return err
			}
			defer m.Close()
			var raw []byte
			switch {
			case backup && salvage:
				return &ExitError{Code: 1, Message: "-backup and -salvage exclude each other: -backup prints the previous state, -salvage what a damaged journal still holds"}
			case backup:
				raw, err = m.ReadBackupRaw(cmd.Context())
			case salvage:
				raw, err = m.ReadSalvaged(cmd.Context())
			default:
				raw, err = m.ReadRaw(cmd.Context())
			}
			if errors.Is(err, statemgr.ErrNoState) {
				fmt.Fprintf(g.Stderr, "No state at %s yet.\n", m.Location())
				return nil
			}
			if err != nil {
				return err
			}
			// Byte for byte: a document whose strings name a module's
			// objects must pull unchanged, or its checksum fails on push.
			_, err = rawOutput(g.Stdout).Write(raw)
			return err
		},
	}
	cmd.Flags().BoolVar(&backup, "backup", false, "print the backup (the state before its last change)")
	cmd.Flags().BoolVar(&salvage, "salvage", false, "print state.json with the changes of its damaged journal before the damage")
	return cmd
}

func newStatePushCommand(g *Globals) *cobra.Command {
	var (
		lf    LockFlags
		force bool
	)
	cmd := &cobra.Command{
		Use:   "push FILE",
		Short: "Replace the stored state with a state document",
		Long: `push stores FILE ("-" reads stdin) as the state, under the state lock. It
refuses a document of another lineage, one whose serial is not newer than the
stored one, and replacing a damaged state, unless -force. The replaced state
becomes the backup (a damaged one is kept as state.json.damaged-TIME). A
hand-edited document must have its "checksum" set to "".`,
		Example: `  mlform state push fixed.json
  mlform state push -force restored.json`,
		Args: wantArgs(1, 1, `one state file ("-" for stdin)`),
		RunE: func(cmd *cobra.Command, args []string) error {
			doc, err := readInput(cmd.Context(), g, args[0])
			if err != nil {
				return fmt.Errorf("push: %w", err)
			}
			ctx := cmd.Context()
			m, err := openState(ctx, g)
			if err != nil {
				return err
			}
			defer m.Close()
			var res *statemgr.PushResult
			err = withStateLock(ctx, g, m, lf, "state push", func() error {
				// A pushed document that references store objects the
				// stored state does not (a restored backup, a state from
				// another workspace) needs this workspace's roots to name
				// them, or a gc from another workspace sharing the store
				// deletes them. When the roots cannot be written, refuse
				// before anything is written.
				ws, werr := rootsWorkspace(g)
				pushed, derr := state.DecodeUnsigned(doc)
				var old *state.State
				n := 0
				if derr == nil {
					old, _ = m.Read(ctx)
					n = engine.AddedRefs(old, pushed)
				}
				if werr != nil && n > 0 {
					return fmt.Errorf("the document references %s the stored state does not, and this workspace's roots in its stores cannot be updated to protect them from gc in other workspaces sharing a store: %v\nNothing was pushed. Make the configuration load (e.g. set its variables with MLFORM_VAR_name) and push again", textfmt.Count(n, "store object"), werr)
				}
				var floor uint64
				if ws != nil {
					defer ws.Close() // releases the shared store locks
					if n > 0 {
						// As apply does: under the shared store lock (a gc
						// elsewhere waits), a root naming the new ids
						// before the state does, so no gc can take them
						// between the state write and the root write. Set
						// before the first store is opened: ws.Store keeps
						// what it opened.
						ws.Locking = &engine.StoreLocking{Command: "state push", Timeout: lf.Timeout}
					}
					if derr == nil {
						rootSerial := ws.NewestRootSerial(ctx, pushed.Lineage, m.RootBackend())
						switch {
						case force:
							// Forced, an older state is pushed on purpose:
							// it is stored above the serial of this
							// workspace's roots, which would otherwise
							// refuse it (the guard root below is not below
							// them either: GuardRoots). Strictly above: the
							// newest state, put back by hand afterwards, is
							// refused in turn.
							floor = rootSerial
							if floor < math.MaxUint64 {
								floor++
							}
						case rootSerial > pushed.Serial:
							return fmt.Errorf("the pushed state has serial %d, but this workspace's roots in its stores were written from its state at serial %d: it is an older copy, and gc would delete what the newer state recorded. Nothing was pushed. Push the newest state, or pass -force to go back to this one on purpose (gc then collects what only the newer state recorded)", pushed.Serial, rootSerial)
						}
					}
					if n > 0 {
						if err := ws.GuardRoots(ctx, old, pushed, m.RootBackend()); err != nil {
							return fmt.Errorf("protect the objects the document references in this workspace's stores: %w\nNothing was pushed", err)
						}
					}
				}
				res, err = m.PushAbove(ctx, doc, force, floor)
				if err == nil && !res.Unchanged {
					st, rerr := m.Read(ctx)
					if rerr == nil {
						if ws != nil && n > 0 {
							if err := ws.WriteRoots(ctx, st, m.RootBackend()); err != nil {
								fmt.Fprintf(g.Stderr, "Warning: the workspace's roots in its stores were not narrowed to the pushed state (they name more, which keeps more; the next init, apply or gc rewrites them): %v\n", err)
							}
						} else {
							updateRoots(ctx, g, m, st)
						}
					}
				}
				return err
			})
			if err != nil {
				return fmt.Errorf("push %s: %w", args[0], err)
			}
			if res.DamagedCopy != "" {
				fmt.Fprintf(g.Stdout, "Kept the damaged state as %s\n", res.DamagedCopy)
			}
			if res.Unchanged {
				what := args[0]
				if what == "-" {
					what = "The document on stdin"
				}
				fmt.Fprintf(g.Stdout, "%s is already the stored state (serial %d, lineage %s): nothing to push\n", what, res.Serial, res.Lineage)
				return nil
			}
			fmt.Fprintf(g.Stdout, "Pushed %s to %s: serial %d, lineage %s\n", args[0], m.Location(), res.Serial, res.Lineage)
			return nil
		},
	}
	lf.Register(cmd.Flags())
	cmd.Flags().BoolVar(&force, "force", false, "replace the stored state even if it has another lineage, a newer serial or is damaged")
	return cmd
}

// maxPushSize bounds a pushed document read into memory.
const maxPushSize = 1 << 30

// readInput reads the document to push: a regular file (readfile refuses
// a FIFO or device), or stdin for "-". Stdin may be a pipe nobody ever
// closes, so that read gives up when ctx is cancelled (Ctrl-C, SIGTERM)
// instead of keeping the process alive.
func readInput(ctx context.Context, g *Globals, name string) ([]byte, error) {
	if name == "" {
		// state push "$F" with F unset: say so, not "open : no such file".
		return nil, errors.New(`the file name is empty: give the state document's file, or "-" for standard input`)
	}
	if name != "-" {
		f, err := readfile.Open(name, maxPushSize)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return state.ReadDocument(f, name, maxPushSize)
	}
	// A pipe nobody closes gives up when the command is interrupted.
	return state.ReadDocument(readfile.Interruptible(ctx, g.Stdin), "stdin", maxPushSize)
}
