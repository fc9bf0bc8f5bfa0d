package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlform/mlform/cli/interrupt"
	"github.com/mlform/mlform/cli/progress"
	"github.com/mlform/mlform/planner"
	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/planner/plans"
	"github.com/mlform/mlform/planner/render"
	"github.com/mlform/mlform/state"
)

func newApplyCommand(g *Globals) *cobra.Command {
	var f planFlags
	var autoApprove bool
	wait := true
	cmd := &cobra.Command{
		Use:   "apply [PLANFILE]",
		Short: "Snapshot, retrain and promote as planned",
		Long: `Apply does what plan shows: snapshots datasets, trains models and moves
aliases, in dependency order, independent actions in parallel. The state is
locked for the whole run and saved after every action, so an interrupted or
partly failed apply keeps everything that succeeded.

Without PLANFILE, apply plans first, shows the plan and asks for "yes"
(-auto-approve skips the question; without a terminal it is required). With
a PLANFILE saved by plan -out, it applies exactly that plan without asking,
and refuses it if the state or the configuration changed since. The plan file
carries the non-sensitive variable values plan was given, so apply PLANFILE
needs no -var; a sensitive value is saved only as a salted hash, so give it
again (-var, -var-file or MLFORM_VAR_*): apply checks it against the hash.
A plan made on a given clock (-now or MLFORM_NOW) is applied on that clock
unless apply is given its own.

On a batch executor (slurm) a train is a job that outlives apply: it is
recorded as running, with its job id, before apply waits for it. If apply is
killed, the next plan shows the job and the next apply collects it instead of
training again. -wait=false submits such jobs and returns; a later apply
collects them (-wait=false collects only jobs that ended, never waiting).

Ctrl-C once stops starting new actions and lets running ones finish; twice
cancels the running ones too. Before any action has started (waiting for the
lock, planning, asking), Ctrl-C stops at once and changes nothing.`,
		Example: `  mlform apply
  mlform apply -auto-approve
  mlform plan -out=tfplan && mlform apply tfplan
  mlform plan -var=min_accuracy=0.9 -out=tfplan && mlform apply tfplan
  MLFORM_VAR_token=... mlform apply tfplan   # a sensitive variable is given again`,
		Args: wantArgs(0, 1, "at most one saved plan FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := f.outputFormat()
			if err != nil {
				return err
			}
			var saved *plans.Plan
			if len(args) == 1 && (len(f.targets) > 0 || len(f.replace) > 0 || !f.refresh) {
				return fmt.Errorf("-target, -replace and -refresh shape a plan: give them to mlform plan, not to apply with a saved plan")
			}
			if len(args) == 1 {
				if saved, err = plans.ReadPlanFile(args[0]); err != nil {
					return err
				}
				if f.vars.planned, err = planner.PlannedValues(saved); err != nil {
					return err
				}
			} else if !autoApprove && !isTerminal(g) {
				return &ExitError{Code: 1, Message: "apply needs confirmation: run with -auto-approve or from a terminal"}
			}
			ws, err := openWorkspace(g, &f)
			if err != nil {
				return err
			}
			defer ws.Close()
			if saved != nil && saved.FixedClock && !ws.FixedClock {
				// A plan made on a given clock is applied on it: one
				// clock for the run, as if -now were given again.
				ws.Now, ws.FixedClock = saved.CreatedAt.UTC(), true
			}
			// Stores are written under a shared store lock, so gc from a
			// workspace sharing them waits (docs/storage.md).
			ws.Locking = &engine.StoreLocking{Command: "apply", Timeout: f.lock.Timeout}
			ws.NoWait = !wait
			m, err := openState(cmd.Context(), g)
			if err != nil {
				return err
			}
			defer m.Close()

			// Detached from the command's context, which the first Ctrl-C
			// cancels: apply decides itself what each interrupt means.
			ctx, cancel := context.WithCancel(context.WithoutCancel(cmd.Context()))
			defer cancel()
			stop := interrupt.Watch(g.Stderr, g.testEvent, cancel)
			defer stop.Release()

			var res *engine.Result
			var st *state.State
			var targets []string // the applied plan's -target, for the warning after it
			err = withStateLock(ctx, g, m, f.lock, "apply", func() error {
				var p *plans.Plan
				if saved != nil {
					if st, err = m.Read(ctx); err != nil {
						return err
					}
					if err := planner.CheckVariables(saved, ws.Config); err != nil {
						return err
					}
					if err := ws.CheckStores(st); err != nil {
						return err
					}
					if err := planner.CheckFresh(saved, st, ws.Config.Digest); err != nil {
						return err
					}
					p = saved
					warnTargeting(g, p.Targets)
				} else {
					if p, st, err = makePlan(ctx, g, ws, m, &f, autoApprove); err != nil {
						return err
					}
					if err := renderPlan(g, p, st, format); err != nil {
						return err
					}
					warnTargeting(g, p.Targets)
					if !p.HasChanges() {
						return ws.EnsureRoots(ctx, st, m.RootBackend())
					}
					if !autoApprove {
						ok, err := confirm(ctx, g, stop.Requested)
						if err != nil {
							return err
						}
						if !ok {
							return &ExitError{Code: 1, Message: "apply cancelled: only \"yes\" approves"}
						}
					}
				}
				if !p.HasChanges() {
					if format != "json" {
						fmt.Fprintln(g.Stdout, "No changes. Nothing to apply.")
					}
					// Nothing is written, so nothing else would restore a
					// root gc -forget-workspace removed (docs/storage.md).
					return ws.EnsureRoots(ctx, st, m.RootBackend())
				}
				if !stop.Begin() {
					return ctx.Err()
				}
				prog := progress.New(g.Stderr, liveTerminal(g), time.Now)
				prog.Begin()
				res, err = planner.Apply(ctx, ws, stop.Requested, p, st, m, planner.ApplyOptions{Parallelism: f.parallelism, Progress: prog})
				prog.End()
				targets = p.Targets
				return err
			})
			if err != nil && stop.AbortedEarly() {
				return &ExitError{Code: 1, Message: "apply interrupted before any action started: nothing was changed"}
			}
			if err != nil {
				return err
			}
			if format == "json" {
				// Only JSON on stdout: the plan line (when planned here), then this one.
				if err := render.ApplyJSON(g.Stdout, res, applyOutputs(g, ws, st)); err != nil {
					return err
				}
				warnTargetedApply(g, targets)
				if res != nil && res.Failed() {
					return errSilent
				}
				return nil
			}
			if res == nil {
				return nil
			}
			if err := render.ApplyResult(g.Stdout, res, render.Options{Color: useColor(g)}); err != nil {
				return err
			}
			printOutputs(g, ws, st)
			warnTargetedApply(g, targets)
			if res.Failed() {
				return errSilent
			}
			return nil
		},
	}
	f.register(cmd.Flags())
	cmd.Flags().BoolVar(&autoApprove, "auto-approve", false, "apply without asking for confirmation")
	cmd.Flags().BoolVar(&wait, "wait", true, "wait for jobs on batch executors (slurm); -wait=false submits them and a later apply collects them")
	return cmd
}

// confirm asks for "yes" on stdin. An interrupt while waiting is a "no".
func confirm(ctx context.Context, g *Globals, interrupted <-chan struct{}) (bool, error) {
	fmt.Fprint(g.Stdout, "\nDo you want to perform these actions?\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ")
	type answer struct {
		line string
		err  error
	}
	ch := make(chan answer, 1)
	go func() {
		line, err := bufio.NewReader(g.Stdin).ReadString('\n')
		ch <- answer{line, err}
	}()
	select {
	case a := <-ch:
		if a.err != nil && a.line == "" {
			fmt.Fprintln(g.Stdout)
			if errors.Is(a.err, io.EOF) { // Ctrl-D, or input that ran out
				return false, &ExitError{Code: 1, Message: "apply cancelled: the input ended without an answer; only \"yes\" approves (-auto-approve applies without asking)"}
			}
			return false, fmt.Errorf("reading confirmation: %w", a.err)
		}
		fmt.Fprintln(g.Stdout)
		return strings.TrimSpace(a.line) == "yes", nil
	case <-interrupted:
		fmt.Fprintln(g.Stdout)
		return false, nil
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

// applyOutputs evaluates the outputs after an apply for -json; a failure
// to evaluate them is a warning on stderr, not a failed apply.
func applyOutputs(g *Globals, ws *engine.Workspace, st *state.State) []*planner.OutputResult {
	if len(ws.Config.Outputs) == 0 || st == nil {
		return nil
	}
	outs, diags := planner.Outputs(ws, st)
	if diags.HasErrors() {
		fmt.Fprintf(g.Stderr, "Warning: outputs could not be evaluated: %s\n", diags.Error())
		return nil
	}
	return outs
}

// printOutputs shows the outputs after an apply, like Terraform; sensitive
// values stay hidden (mlform output NAME shows one).
func printOutputs(g *Globals, ws *engine.Workspace, st *state.State) {
	if len(ws.Config.Outputs) == 0 {
		return
	}
	outs, diags := planner.Outputs(ws, st)
	if diags.HasErrors() {
		fmt.Fprintf(g.Stderr, "Warning: outputs could not be evaluated: %s\n", diags.Error())
		return
	}
	fmt.Fprintln(g.Stdout, "\nOutputs:")
	for _, o := range outs {
		fmt.Fprintf(g.Stdout, "  %s = %s\n", o.Name, render.Value(o.Value, o.Sensitive))
	}
}
