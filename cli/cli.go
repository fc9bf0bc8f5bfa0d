// Package cli wires mlform's commands (cobra) to the packages that do the
// work: config, planner, state and providers. Commands here parse flags,
// call one function and render its result; they hold no logic of their own.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/mlform/mlform/cli/flags"

	"github.com/spf13/cobra"

	"github.com/mlform/mlform/internal/memlimit"
	"github.com/mlform/mlform/internal/termtext"
	"github.com/mlform/mlform/providers/executor/local"
)

// Version is mlform's version, printed by `mlform version` and recorded in
// state and lock info.
const Version = "0.1.0"

// Globals are the options every command sees.
type Globals struct {
	Chdir   string
	NoColor bool
	// DumbTerm is TERM=dumb: a terminal that understands no escape
	// sequences, so no colour and no live line redrawn in place.
	DumbTerm bool

	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Getenv reads the environment; tests may replace it.
	Getenv func(string) string
	// Supervisor is this mlform binary, re-executed to supervise train and
	// evaluate steps (providers/executor/local); set by Main only, so an
	// in-process Run (tests) never re-executes a test binary.
	Supervisor string
	// Memory is the process's memory budget, set by Main only: stores
	// count the pack buffers they map outside the Go heap against it.
	Memory *memlimit.Limiter

	// loadedBackendURL is the state backend of the configuration this
	// command loaded (with its -var flags), reused by openState.
	loadedBackendURL string
	// unrecordedBackend is the backend openState found the workspace in
	// unrecordedDir not remembering yet; rememberBackend records it once
	// the command holds the state lock (backend_check.go).
	unrecordedBackend, unrecordedDir string
}

// ExitError carries a process exit code through cobra. Message, if not
// empty, is printed to stderr as "Error: <message>".
type ExitError struct {
	Code    int
	Message string
}

func (e *ExitError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Message
}

// errSilent means: the command already printed what went wrong; exit 1.
var errSilent = &ExitError{Code: 1}

// Main runs mlform with os.Args and returns the process exit code.
func Main() int {
	if len(os.Args) > 1 && os.Args[1] == local.SupervisorArg {
		return local.Supervise(os.Args[2:])
	}
	g := &Globals{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
	if exe, err := os.Executable(); err == nil {
		g.Supervisor = exe
	}
	g.Memory = memlimit.Start(g.Getenv, 100*time.Millisecond)
	defer g.Memory.Stop()
	stop := startCPUProfile(g)
	defer stop()
	defer writeMemProfile(g)
	return Run(g, os.Args[1:])
}

// Run executes one mlform command line and returns its exit code.
func Run(g *Globals, args []string) int {
	g.Stdout, g.Stderr = displayed(g.Stdout), displayed(g.Stderr)
	root := NewRootCommand(g)
	root.SetArgs(NormalizeArgs(root, args))
	root.SetFlagErrorFunc(flags.AsTyped(args))
	if completingSingleDash(args) {
		root.SetOut(singleDashCompletions{g.Stdout})
	}
	ctx, stop := interruptContext(context.Background())
	defer stop()
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		if ee.Message != "" {
			fmt.Fprintf(g.Stderr, "Error: %s\n", termtext.Printable(ee.Message))
		}
		return ee.Code
	}
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		fmt.Fprintln(g.Stderr, "Error: interrupted: the command stopped before it finished")
		return 1
	}
	fmt.Fprintf(g.Stderr, "Error: %s\n", termtext.Printable(err.Error()))
	return 1
}

// NewRootCommand builds the whole command tree.
func NewRootCommand(g *Globals) *cobra.Command {
	root := &cobra.Command{
		Use:   "mlform",
		Short: "Terraform for the life of a machine-learning model",
		Long: `mlform declares datasets, models, retrain policies and promotions in HCL
(*.mlf.hcl), plans what must change and why, and applies it: snapshots data,
retrains, records every model version with its lineage and promotes versions
that pass their gates.`,
		Example: `  mlform init
  mlform plan -out=tfplan
  mlform apply tfplan`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       Version,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if g.Getenv("NO_COLOR") != "" {
				g.NoColor = true
			}
			if g.Getenv("TERM") == "dumb" {
				g.NoColor, g.DumbTerm = true, true
			}
			if f := cmd.Flags().Lookup("chdir"); f != nil && f.Changed && g.Chdir == "" {
				// -chdir="$DIR" with DIR unset must not run in the
				// current directory instead (an apply in the wrong place).
				return &ExitError{Code: 1, Message: "-chdir= is empty: give the directory to run in, like -chdir=examples/churn"}
			}
			if g.Chdir != "" {
				if err := os.Chdir(g.Chdir); err != nil {
					return &ExitError{Code: 1, Message: fmt.Sprintf("-chdir=%s: %v", g.Chdir, err)}
				}
			}
			return nil
		},
	}
	root.SetIn(g.Stdin)
	root.SetOut(g.Stdout)
	root.SetErr(g.Stderr)
	// `mlform completion bash|zsh|fish|powershell` (cobra's generator).
	root.CompletionOptions.HiddenDefaultCmd = false
	root.SetVersionTemplate(versionLine() + "\n")
	root.SetFlagErrorFunc(flags.Error)
	pf := root.PersistentFlags()
	pf.StringVar(&g.Chdir, "chdir", "", "switch to directory `DIR` before doing anything else")
	pf.BoolVar(&g.NoColor, "no-color", false, "disable colour in output")

	// Bare `mlform` is a usage error (the help on stderr, exit 1).
	groupCommand(g, root,
		newVersionCommand(g),
		newValidateCommand(g),
		newFmtCommand(g),
		newInitCommand(g),
		newPlanCommand(g),
		newApplyCommand(g),
		newShowCommand(g),
		newOutputCommand(g),
		newGraphCommand(g),
		newSnapshotsCommand(g),
		newPullCommand(g),
		newStateCommand(g),
		newForceUnlockCommand(g),
		newGCCommand(g),
		newVersionsCommand(g),
		newLineageCommand(g),
		newHistoryCommand(g),
		newApproveCommand(g),
		newReportCommand(g),
		newMetricsCommand(g),
		newReproduceCommand(g),
		newStepCommand(g),
	)
	// Made here rather than when cobra runs, so that like every command
	// that only groups others it fails on a missing or misspelt shell.
	root.InitDefaultCompletionCmd()
	root.InitDefaultHelpCmd()
	for _, c := range root.Commands() {
		switch c.Name() {
		case "completion":
			groupCommand(g, c)
			c.Example = "  mlform completion bash > /etc/bash_completion.d/mlform\n  source <(mlform completion zsh)"
			for _, shell := range c.Commands() {
				shell.Example = "  mlform completion " + shell.Name() + " > mlform-completion." + shell.Name()
			}
		case "help":
			c.RunE = flags.HelpTopic(c.Run)
			c.Run = nil
		}
	}
	return root
}
