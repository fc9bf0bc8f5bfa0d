package plans

import (
	"encoding/json"
	"fmt"

	"github.com/mlform/mlform/config/lang"
)

// Variable is one input variable value saved in a plan. A non-sensitive
// one carries its type and value as go-cty JSON (Type, Value); a
// sensitive one never does: only Salt and Hash, the salted hash apply
// compares the value given again with.
type Variable struct {
	Name      string          `json:"name"`
	Type      json.RawMessage `json:"type,omitempty"`
	Value     json.RawMessage `json:"value,omitempty"`
	Sensitive bool            `json:"sensitive,omitempty"`
	Salt      string          `json:"salt,omitempty"` // hex, 16 bytes
	Hash      string          `json:"hash,omitempty"` // hex, 32 bytes
}

// Limits on saved variables (a plan file is untrusted input).
const (
	maxVariables     = 1000
	maxVariableJSON  = 16 << 20 // bytes of one value's JSON
	maxVariableDepth = 64       // nesting of a value's or type's JSON
	SaltLen          = 16
	HashLen          = 32
)

// validateVariables checks the saved variables: unique identifier names,
// a sensitive variable with a salt and hash and nothing else, a
// non-sensitive one with a type and value of bounded size and nesting (the
// go-cty decoder recurses) and no salt or hash.
func validateVariables(vs []*Variable) error {
	if len(vs) > maxVariables {
		return fmt.Errorf("variables: %d, more than %d", len(vs), maxVariables)
	}
	seen := map[string]bool{}
	for i, v := range vs {
		if v == nil {
			return fmt.Errorf("variable %d is empty", i)
		}
		if !isName(v.Name) {
			return fmt.Errorf("variable %d: name %q is not an identifier", i, Truncate(v.Name))
		}
		if seen[v.Name] {
			return fmt.Errorf("variable %s appears twice", v.Name)
		}
		seen[v.Name] = true
		if v.Sensitive {
			if len(v.Type) > 0 || len(v.Value) > 0 {
				return fmt.Errorf("variable %s is sensitive but the plan file carries its value", v.Name)
			}
			if len(v.Salt) != 2*SaltLen || !isHex(v.Salt) || len(v.Hash) != 2*HashLen || !isHex(v.Hash) {
				return fmt.Errorf("variable %s: a sensitive variable needs a %d-byte hex salt and a %d-byte hex hash", v.Name, SaltLen, HashLen)
			}
			continue
		}
		if v.Salt != "" || v.Hash != "" {
			return fmt.Errorf("variable %s: salt and hash are for sensitive variables", v.Name)
		}
		for _, part := range []struct {
			what string
			raw  json.RawMessage
		}{{"type", v.Type}, {"value", v.Value}} {
			if len(part.raw) == 0 {
				return fmt.Errorf("variable %s has no %s", v.Name, part.what)
			}
			if len(part.raw) > maxVariableJSON {
				return fmt.Errorf("variable %s: %s is larger than %d bytes", v.Name, part.what, maxVariableJSON)
			}
			if d, _ := lang.JSONDepth(part.raw, maxVariableDepth); d > maxVariableDepth {
				return fmt.Errorf("variable %s: %s nests deeper than %d levels", v.Name, part.what, maxVariableDepth)
			}
		}
	}
	return nil
}
