package cli

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/mlform/mlform/planner/step"
	"github.com/mlform/mlform/providers/executor/remote"
	"github.com/mlform/mlform/state"
)

// newStepCommand is `mlform step run STORE SPECID`, the internal command
// batch executors run on a cluster node (the remote-step protocol,
// docs/executors.md). Hidden from help: people never type it.
func newStepCommand(g *Globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:    "step",
		Short:  "Internal: run a remote step (what batch executors run on cluster nodes)",
		Hidden: true,
		Args:   wantArgs(1, -1, "a subcommand: run or install"),
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "run STORE SPECID",
		Short: "Run the step spec SPECID stored in STORE and record its result there",
		Long: `Run reads the step spec object SPECID from the store named STORE (its URL,
and those of the other stores the spec names, come from MLFORM_STEP_STORES),
fetches the step's inputs by id into a temporary directory, runs its command
under the training contract with the code archive as working directory,
stores the logs and outputs and writes the result object that the controlling
mlform apply collects. The command's output is also written to stdout and
stderr. The exit status is the command's (1 when it could not run).
docs/executors.md, "Remote-step protocol", describes the protocol.`,
		Args: wantArgs(2, 2, "a store name and a step spec id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := step.RunRemote(cmd.Context(), args[0], args[1], step.RemoteOptions{
				Getenv: g.Getenv, Stdout: g.Stdout, Stderr: g.Stderr, Supervisor: g.Supervisor})
			if res != nil && res.Status != state.StatusSucceeded {
				fmt.Fprintf(g.Stderr, "mlform step run: %s\n", res.Status)
			}
			if err != nil {
				if errors.Is(err, step.ErrNoResult) || res == nil {
					return err
				}
			}
			if res.Status == state.StatusSucceeded {
				return nil
			}
			if res.Error != "" {
				fmt.Fprintf(g.Stderr, "mlform step run: %s\n", res.Error)
			}
			code := res.ExitCode
			if code < 1 || code > 255 {
				code = 1
			}
			return &ExitError{Code: code}
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "install DEST",
		Short: "Copy this mlform binary to DEST (what a Kubernetes init container runs)",
		Long: `Install copies the running mlform binary to DEST, an absolute path, as an
executable file. The kubernetes executor's init container runs it from the
init image (the repository's Dockerfile) to put mlform on a volume the step's
container shares; docs/executors.md, "Kubernetes", describes it.`,
		Args: wantArgs(1, 1, "the destination path"),
		RunE: func(cmd *cobra.Command, args []string) error {
			self, err := os.Executable()
			if err != nil {
				return err
			}
			return remote.Install(self, args[0])
		},
	})
	return cmd
}
