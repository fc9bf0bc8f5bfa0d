package cli

import (
	"bufio"
	"context"
	"errors"
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
			var changed *statemgr.BackendChangedError
			if errors.As(err, &changed) {
				m, err = openLockedBackend(ctx, g, args[0], changed)
			}
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

// openLockedBackend opens the backend holding lock id when the configured
// backend is not the one the workspace remembers. That is the state an
// `init -migrate-state` leaves when it is killed (or loses its terminal)
// while it holds the old backend's lock, the new one's, or both: its lock
// error names `mlform force-unlock ID`, and init cannot run again until the
// lock is gone. force-unlock releases only the lock with that id, so
// looking for it at both backends breaks nothing else; when neither holds
// it, the backend change is reported as by every other command.
func openLockedBackend(ctx context.Context, g *Globals, id string, changed *statemgr.BackendChangedError) (*statemgr.Manager, error) {
	wd, err := os.Getwd()
	if err != nil {
		return nil, fmt.Errorf("working directory: %w", err)
	}
	var urls []string
	if rec, err := statemgr.ReadBackendRecord(wd); err == nil && rec != nil && !rec.Redacted {
		urls = append(urls, rec.URL)
	}
	if url, err := backendURL(g); err == nil {
		urls = append(urls, url)
	}
	for _, url := range urls {
		m, err := openStateAt(ctx, url, wd)
		if err != nil {
			continue
		}
		if _, cur, held, _, err := m.CurrentLock(ctx); err == nil && held && cur == id {
			return m, nil
		}
		m.Close()
	}
	return nil, changed
}

// isTerminal reports whether stdin is an interactive terminal.
func isTerminal(g *Globals) bool {
	f, ok := g.Stdin.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
