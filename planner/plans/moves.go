package plans

import "fmt"

// Move is one state migration a moved block asks for (config.Moved):
// what state recorded at From is recorded at To from now on, so nothing
// is retrained or snapshotted again because of a rename. Apply performs
// every move before any action (planner/moves.go); the actions of the
// plan were computed against the moved state.
type Move struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// movable lists the kinds whose state records a moved block renames.
var movable = map[string]bool{"dataset": true, "model": true, "retrain_policy": true, "promotion": true}

// validateMoves checks the moves of an untrusted plan: exact addresses of
// one movable kind, each From and each To once.
func validateMoves(moves []*Move) error {
	from, to := map[string]bool{}, map[string]bool{}
	for i, m := range moves {
		if m == nil {
			return fmt.Errorf("move %d is empty", i)
		}
		for _, a := range []string{m.From, m.To} {
			if err := validAddr(a); err != nil {
				return fmt.Errorf("move %d: %w", i, err)
			}
			if !movable[AddrKind(a)] {
				return fmt.Errorf("move %d: %s: only datasets, models, retrain policies and promotions move", i, Truncate(a))
			}
		}
		if AddrKind(m.From) != AddrKind(m.To) || m.From == m.To {
			return fmt.Errorf("move %d: %s to %s is not a move", i, Truncate(m.From), Truncate(m.To))
		}
		if from[m.From] || to[m.To] {
			return fmt.Errorf("move %d: %s or %s moves twice", i, Truncate(m.From), Truncate(m.To))
		}
		from[m.From], to[m.To] = true, true
	}
	return nil
}
