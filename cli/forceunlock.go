package cli

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/mlform/mlform/internal/textfmt"
	"github.com/mlform/mlform/state/statemgr"
)

func newForceUnlockCommand(g *Globals) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "force-unlock ID",
		Short: "Release a stuck state lock",
		Long: `force-unlock removes the state lock with the given ID, left behind by a run
that crashed or was killed. The ID is printed by the command that found the
state locked. It refuses a lock with another ID, so it never breaks a lock
taken since. Make sure the holder is really gone: two runs on one state can
lose recorded versions. It asks for confirmation; -force skips the question
(required when there is no terminal).`,
		Example: `  mlform force-unlock 6f1c2a9e-4d7b-4b3e-9a51-0c8d2f7e1a44
  mlform force-unlock -force 6f1c2a9e-4d7b-4b3e-9a51-0c8d2f7e1a44`,
		Args: wantArgs(1, 1, "the lock ID printed by the command that found the state locked"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			m, err := openState(ctx, g)
			if err != nil {
				return err
			}
			defer m.Close()
			if !force {
				info, id, held, _, err := m.CurrentLock(ctx)
				if err != nil {
					return err
				}
				if held && id == args[0] {
					if !isTerminal(g) {
						return fmt.Errorf("force-unlock asks for confirmation, but stdin is not a terminal: pass -force to release lock %s", id)
					}
					fmt.Fprintf(g.Stdout, "Lock %s on %s\n  held by %s for %s since %s\n", id, m.Location(), info.Who, info.Operation, textfmt.Time(info.Created))
					switch info.HolderRunning() {
					case statemgr.HolderRunning:
						fmt.Fprintf(g.Stdout, "  WARNING: its process %d is still running on this host.\n", info.PID)
					case statemgr.HolderGone:
						fmt.Fprintf(g.Stdout, "  Its process %d is no longer running on this host.\n", info.PID)
					}
					fmt.Fprint(g.Stdout, "Release it? Only 'yes' is accepted: ")
					line, _ := bufio.NewReader(g.Stdin).ReadString('\n')
					if strings.TrimSpace(line) != "yes" {
						return &ExitError{Code: 1, Message: "force-unlock cancelled"}
					}
				}
			}
			if err := m.ForceUnlock(ctx, args[0]); err != nil {
				return err
			}
			fmt.Fprintf(g.Stdout, "Released lock %s on %s\n", args[0], m.Location())
			return nil
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "do not ask for confirmation")
	return cmd
}

// isTerminal reports whether stdin is an interactive terminal.
func isTerminal(g *Globals) bool {
	f, ok := g.Stdin.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
