package config

import (
	"github.com/mlform/mlform/internal/relpath"
)

// Provenance a version records beyond its inputs: an environment's
// capture commands (`capture = ["python3 --version", "pip freeze"]`),
// whose output is stored with every version trained in it, and a model's
// card (`card = "MODEL_CARD.md"`), whose content is stored with every
// version of the model.

// evalCapture reads an environment's capture commands: each a command
// line run by `sh -c`; they are recorded in state, so they may not be
// sensitive.
func (e *blockEval) evalCapture(env *Environment) {
	if list, _, ok := e.nonBlankList("capture", "command"); ok {
		env.Capture = list
	}
}

// evalModelCard reads a model's card: a file relative to the working
// directory whose content is stored with each version.
func (e *blockEval) evalModelCard(m *Model) {
	s, a, ok := e.Str("card", false)
	if !ok {
		return
	}
	if err := relpath.Check(s); err != nil {
		e.Errorf(a.Expr.Range(), "Invalid card", "card in %s names a file inside the working directory, like \"MODEL_CARD.md\": %v.", e.Where, err)
		return
	}
	m.Card = s
}
