package cli

import (
	"context"
	"io"

	"github.com/spf13/cobra"

	"github.com/mlform/mlform/internal/textfmt"
	"github.com/mlform/mlform/state"
)

// queryCommand completes cmd (its name, help and Args) as a read-only
// command that answers one query of the recorded state: it reads the state
// once, asks q, and prints the answer as JSON with -json (described by
// jsonUsage), else as write renders it. versions, history and metrics diff
// are such commands; only their query and rendering differ.
func queryCommand[T any](g *Globals, cmd *cobra.Command, jsonUsage string, q func(s *state.State, args []string) (T, error), write func(io.Writer, T) error) *cobra.Command {
	var asJSON bool
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		s, err := readState(cmd.Context(), g)
		if err != nil {
			return err
		}
		r, err := q(s, args)
		if err != nil {
			return err
		}
		if asJSON {
			return textfmt.WriteJSON(g.Stdout, r)
		}
		return write(g.Stdout, r)
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, jsonUsage)
	return cmd
}

// readState reads the working directory's state once, for the read-only
// model commands.
func readState(ctx context.Context, g *Globals) (*state.State, error) {
	m, err := openState(ctx, g)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	return m.Read(ctx)
}
