package cli

import (
	"context"
	"fmt"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/mlform/mlform/cli/flags"
	"github.com/mlform/mlform/providers/blob"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/mlform/mlform/cli/progress"
	"github.com/mlform/mlform/internal/objname"
	"github.com/mlform/mlform/planner"
	"github.com/mlform/mlform/planner/codehash"
	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/planner/observe/pathfilter"
	"github.com/mlform/mlform/planner/plans"
	"github.com/mlform/mlform/planner/render"
	"github.com/mlform/mlform/state"
	"github.com/mlform/mlform/state/statemgr"
)

// nowEnv names the environment variable that sets the clock, like -now.
const nowEnv = "MLFORM_NOW"

// planFlags are the flags plan and apply share.
type planFlags struct {
	vars        varFlags
	lock        LockFlags
	targets     []string
	replace     []string
	parallelism int
	refresh     bool
	now         string
	asJSON      bool
	format      string
}

func (f *planFlags) register(fs *pflag.FlagSet) {
	f.vars.register(fs)
	f.lock.Register(fs)
	fs.StringArrayVar(&f.targets, "target", nil, "limit to `ADDR` and what it depends on (repeatable), e.g. -target=model.churn")
	fs.StringArrayVar(&f.replace, "replace", nil, "force model `ADDR` to retrain even if its inputs did not change (repeatable)")
	fs.IntVar(&f.parallelism, "parallelism", 4, "run at most `N` independent actions (snapshots, steps, promotions) at once")
	fs.BoolVar(&f.refresh, "refresh", true, "observe dataset sources (-refresh=false trusts the state: a dataset with a snapshot is not observed again, so its data changes go unseen)")
	fs.StringVar(&f.now, "now", "", "plan as if the time were `TIME` (RFC 3339; also "+nowEnv+"), for schedules")
	fs.BoolVar(&f.asJSON, "json", false, "print the plan as JSON (docs/plan-json.md); same as -format=json")
	fs.StringVar(&f.format, "format", "human", "output `FORMAT`: human, json or markdown (a pull-request comment with metric trends; docs/ci.md)")
}

// outputFormat resolves -json and -format.
func (f *planFlags) outputFormat() (string, error) {
	switch {
	case f.asJSON && f.format != "human" && f.format != "json":
		return "", fmt.Errorf("-json and -format=%s contradict each other", f.format)
	case f.asJSON:
		return "json", nil
	}
	switch f.format {
	case "human", "json", "markdown":
		return f.format, nil
	}
	return "", fmt.Errorf("-format=%s: want human, json or markdown", f.format)
}

// clock returns the time planning uses: -now, else MLFORM_NOW, else now.
func (f *planFlags) clock(g *Globals) (time.Time, error) {
	v, from := f.now, "-now"
	if v == "" {
		v, from = g.Getenv(nowEnv), nowEnv
	}
	if v == "" {
		return time.Now().UTC(), nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s=%q: want an RFC 3339 time such as 2026-01-05T12:00:00Z", from, v)
	}
	return t.UTC(), nil
}

func (f *planFlags) options() engine.PlanOptions {
	return engine.PlanOptions{Targets: f.targets, Replace: f.replace, Refresh: f.refresh, MLFormVersion: Version}
}

// openWorkspace loads the configuration and builds the workspace.
func openWorkspace(g *Globals, f *planFlags) (*engine.Workspace, error) {
	if f.parallelism < 1 {
		return nil, fmt.Errorf("-parallelism=%d: must be at least 1", f.parallelism)
	}
	cfg, err := loadConfig(g, &f.vars)
	if err != nil {
		return nil, err
	}
	now, err := f.clock(g)
	if err != nil {
		return nil, err
	}
	wd, err := os.Getwd()
	if err != nil {
		return nil, fmt.Errorf("working directory: %w", err)
	}
	ws, err := engine.NewWorkspace(cfg, wd, now)
	if err != nil {
		return nil, err
	}
	cfg.ReleaseSyntax() // plan and apply keep the Config to the end
	ws.Executors = executors(g.Supervisor)
	ws.OffHeap = g.Memory.OffHeap
	ws.FixedClock = f.now != "" || g.Getenv(nowEnv) != ""
	hooks, err := readTestHooks(g.Getenv)
	if err != nil {
		return nil, err
	}
	if hooks.events != "" {
		ws.TestEvent = g.testEvent
	}
	if hooks.fileDelay > 0 || hooks.events != "" {
		ws.TestBeforeFile = func(ctx context.Context, path string) error {
			g.testEvent("store-file " + path)
			if hooks.fileDelay <= 0 {
				return nil
			}
			select {
			case <-time.After(hooks.fileDelay):
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	return ws, nil
}

// loadWorkspace loads the configuration into a workspace for commands
// that do not plan (the clock is MLFORM_NOW or now).
func loadWorkspace(g *Globals, vf *varFlags) (*engine.Workspace, error) {
	f := planFlags{vars: *vf, parallelism: 1}
	ws, err := openWorkspace(g, &f)
	*vf = f.vars
	return ws, err
}

// makePlan reads the state and plans (the caller holds the lock if any).
// storeEarly (apply -auto-approve only) stores new files while hashing them.
func makePlan(ctx context.Context, g *Globals, ws *engine.Workspace, m *statemgr.Manager, f *planFlags, storeEarly bool) (*plans.Plan, *state.State, error) {
	st, err := m.Read(ctx)
	if err != nil {
		return nil, nil, err
	}
	// A state put back by hand is refused before observing (which may
	// hash gigabytes), as apply would refuse it.
	if err := ws.PeekRoots(ctx, st, m.RootBackend()); err != nil {
		return nil, nil, err
	}
	opts := f.options()
	opts.StoreWhileObserving = storeEarly
	obs := progress.NewObserve(g.Stderr)
	opts.Observing = obs.Observed
	p, err := planner.Plan(ctx, ws, st, opts)
	if err != nil {
		return nil, nil, err
	}
	return p, st, nil
}

// renderPlan prints p, made against st, in the chosen format (markdown
// draws metric trends from st).
func renderPlan(g *Globals, p *plans.Plan, st *state.State, format string) error {
	switch format {
	case "json":
		return render.JSON(g.Stdout, p)
	case "markdown":
		return render.Markdown(g.Stdout, p, render.Options{State: st})
	}
	return render.Human(g.Stdout, p, render.Options{Color: useColor(g)})
}

func newPlanCommand(g *Globals) *cobra.Command {
	var f planFlags
	var out string
	var detailed bool
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Show what apply would do and why",
		Long: `Plan compares the configuration and the data as it is now with the recorded
state, and prints every action apply would take with the reasons for it:
datasets to snapshot (with the files added, changed and removed), models to
train, aliases to move. It changes nothing (it only reads sources and state).

-out=FILE saves the plan; mlform apply FILE then does exactly that, and
refuses if the state or the configuration changed in between.`,
		Example: `  mlform plan
  mlform plan -out=tfplan
  mlform plan -detailed-exitcode        # 0 no changes, 1 error, 2 changes
  mlform plan -format=markdown > plan.md
  mlform plan -target=dataset.churn -now=2026-01-05T12:00:00Z`,
		Args: wantArgs(0, 0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := f.outputFormat()
			if err != nil {
				return err
			}
			if out != "" {
				// Fail before observing (which may hash gigabytes), not after.
				if err := checkPlanOut(out); err != nil {
					return err
				}
			}
			ws, err := openWorkspace(g, &f)
			if err != nil {
				return err
			}
			defer ws.Close()
			// Plan writes nothing: a store that does not exist yet is
			// read as empty, not created (init or apply creates it).
			ws.NoCreateStores = true
			if out != "" {
				if err := checkPlanOutInputs(out, ws); err != nil {
					return err
				}
			}
			// Ctrl-C cancels observing and still releases the lock.
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			m, err := openState(ctx, g)
			if err != nil {
				return err
			}
			defer m.Close()
			// Nor does it remember the backend: the first command that
			// writes the state does (docs/state.md).
			writesNothing(g)
			var p *plans.Plan
			var st *state.State
			err = withStateLock(ctx, g, m, f.lock, "plan", func() error {
				p, st, err = makePlan(ctx, g, ws, m, &f, false)
				return err
			})
			if err != nil && ctx.Err() != nil {
				return &ExitError{Code: 1, Message: "plan interrupted: nothing was planned or changed"}
			}
			if err != nil {
				return err
			}
			// The plan file is written before the plan is shown, as
			// Terraform does: a reader that stops early (mlform plan
			// -out=FILE | head) ends the process with SIGPIPE or fails the
			// rendering, and must not lose the plan it was shown part of.
			if out != "" {
				if p.Variables, err = planner.SaveVariables(ws.Config); err != nil {
					return err
				}
				if err := plans.WriteFile(out, p); err != nil {
					return err
				}
			}
			if err := renderPlan(g, p, st, format); err != nil {
				return err
			}
			warnTargeting(g, p.Targets)
			if out != "" {
				if format == "human" && !p.HasChanges() {
					// Nothing to perform: applying it only confirms that.
					fmt.Fprintf(g.Stdout, "\nSaved the plan to: %s\n", out)
				} else if format == "human" {
					fmt.Fprintf(g.Stdout, "\nSaved the plan to: %s\n\nTo perform exactly these actions, run:\n  mlform apply %q\n", out, out)
					if s := sensitiveNames(p); s != "" {
						fmt.Fprintf(g.Stdout, "giving it the same value of %s (sensitive values are not saved in plan files).\n", s)
					}
				}
			}
			if detailed && p.HasChanges() {
				return &ExitError{Code: 2}
			}
			return nil
		},
	}
	f.register(cmd.Flags())
	// plan runs no actions: it takes -parallelism so that one command
	// line serves plan and apply, as Terraform's plan does.
	cmd.Flags().Lookup("parallelism").Usage = "accepted for apply's command line; plan runs no actions (apply runs at most `N` at once)"
	flags.PathVar(cmd.Flags(), &out, "out", "the file to save the plan to", "tfplan", "save the plan to `FILE` for mlform apply FILE")
	cmd.Flags().BoolVar(&detailed, "detailed-exitcode", false, "exit 0 when there are no changes, 1 on error, 2 when there are changes")
	return cmd
}

// sensitiveNames lists the sensitive variables a saved plan needs again:
// "var.token and var.key" ("" when none).
func sensitiveNames(p *plans.Plan) string {
	var names []string
	for _, v := range p.Variables {
		if v.Sensitive {
			names = append(names, "var."+v.Name)
		}
	}
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// checkPlanOut refuses an -out path whose directory is missing or that
// names a directory.
func checkPlanOut(path string) error {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("-out=%s is a directory: give a file name, e.g. -out=%s", path, filepath.Join(path, "tfplan"))
	}
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	switch {
	case os.IsNotExist(err):
		return fmt.Errorf("-out=%s: directory %s does not exist", path, dir)
	case err != nil:
		return fmt.Errorf("-out=%s: %w", path, err)
	case !fi.IsDir():
		return fmt.Errorf("-out=%s: %s is not a directory", path, dir)
	}
	return nil
}

// checkPlanOutInputs refuses an -out path that a model's code globs select
// (code = ["**"] and -out=tfplan): the plan's code hash is taken before
// the file exists, so apply would find the model's code changed since the
// plan (by the plan file itself) and refuse to train, every time. Nor may
// it be a file of a local dataset: the plan would overwrite a data file
// (-out=data/churn.csv), or become one that the next plan snapshots and
// trains on (in mlform's own directories, which no snapshot reads, it
// may be).
func checkPlanOutInputs(out string, ws *engine.Workspace) error {
	cfg := ws.Config
	abs, err := filepath.Abs(out)
	if err != nil {
		return nil
	}
	base, err := filepath.Abs(ws.BaseDir)
	if err != nil {
		return nil
	}
	if rel, ok := inside(base, abs); ok {
		for _, name := range slices.Sorted(maps.Keys(cfg.Models)) {
			if m := cfg.Models[name]; codehash.Selects(m.Code, rel) {
				return fmt.Errorf("-out=%s: the plan file would be part of %s's code (code = %q), so apply would find that code changed since the plan and refuse to train: write it outside the code globs, e.g. -out=%s",
					out, objname.Display("model."+name), m.Code, filepath.Join(".mlform", filepath.Base(out)))
			}
		}
	}
	for _, own := range ws.OwnDirs() {
		if _, in := inside(own, abs); in {
			return nil
		}
	}
	for _, name := range slices.Sorted(maps.Keys(cfg.Datasets)) {
		d := cfg.Datasets[name]
		dir, local := blob.LocalPath(d.Source, base)
		if !local {
			continue
		}
		rel, ok := inside(dir, abs)
		if abs != dir && !ok {
			continue
		}
		if f, err := pathfilter.New(d.Include, d.Exclude); abs != dir && (err != nil || !f.Match(rel)) {
			continue
		}
		what := "would be a file of %s (source %s), which the next plan snapshots and trains on"
		if _, err := os.Lstat(abs); err == nil {
			what = "would overwrite a file of %s (source %s)"
		}
		return fmt.Errorf("-out=%s: the plan file "+what+": write it elsewhere, e.g. -out=%s",
			out, objname.Display("dataset."+name), d.SourceDisplay(), filepath.Join(".mlform", "tfplan"))
	}
	return nil
}

// inside returns path relative to dir (slash-separated) when it is below
// dir.
func inside(dir, path string) (string, bool) {
	rel, err := filepath.Rel(dir, path)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", false
	}
	return filepath.ToSlash(rel), true
}

// openWorkspaceState loads the workspace and opens its state backend, for
// the commands that need both. closeAll releases them in reverse order.
func openWorkspaceState(ctx context.Context, g *Globals, vf *varFlags) (*engine.Workspace, *statemgr.Manager, func(), error) {
	ws, err := loadWorkspace(g, vf)
	if err != nil {
		return nil, nil, nil, err
	}
	m, err := openState(ctx, g)
	if err != nil {
		ws.Close()
		return nil, nil, nil, err
	}
	return ws, m, func() { m.Close(); ws.Close() }, nil
}
