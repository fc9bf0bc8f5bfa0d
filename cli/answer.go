package cli

import (
	"io"

	"github.com/mlform/mlform/internal/textfmt"
)

// answer prints the answer r of a state query (err is the query's): as
// JSON with -json, else as write renders it. versions, history, lineage
// and metrics diff all answer this way.
func answer[T any](g *Globals, asJSON bool, r T, err error, write func(io.Writer, T) error) error {
	if err != nil {
		return err
	}
	if asJSON {
		return textfmt.WriteJSON(g.Stdout, r)
	}
	return write(g.Stdout, r)
}
