package planner

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
	"golang.org/x/crypto/argon2"

	"github.com/mlform/mlform/config"
	"github.com/mlform/mlform/planner/plans"
)

// Argon2id parameters of a sensitive variable's hash in a plan file
// (OWASP's minimum: 19 MiB, 2 passes): a plan file is an artifact CI
// stores and reviewers download, and a secret is often guessable, so
// confirming a guess must cost real work; one check costs apply tens of
// milliseconds.
const (
	argonTime   = 2
	argonMemory = 19 * 1024 // KiB
	argonLanes  = 1
)

// SaveVariables lists the variable values to save in a plan: every
// variable given a value (by -var, -var-file, a *.mlfvars file or
// MLFORM_VAR_*), not those left at their default, which the configuration
// itself carries. Non-sensitive values are saved as they are (Terraform
// does the same); a sensitive one only as a salted Argon2id hash.
func SaveVariables(cfg *config.Config) ([]*plans.Variable, error) {
	var out []*plans.Variable
	for _, name := range slices.Sorted(maps.Keys(cfg.Variables)) {
		v := cfg.Variables[name]
		if v.Source == "" || v.Source == "default" || !v.Value.IsWhollyKnown() {
			continue
		}
		val, _ := v.Value.UnmarkDeep()
		if v.Sensitive {
			salt := make([]byte, plans.SaltLen)
			if _, err := rand.Read(salt); err != nil {
				return nil, fmt.Errorf("var.%s: salt: %w", name, err)
			}
			hash, err := variableHash(name, val, salt)
			if err != nil {
				return nil, err
			}
			out = append(out, &plans.Variable{Name: name, Sensitive: true, Salt: hex.EncodeToString(salt), Hash: hex.EncodeToString(hash)})
			continue
		}
		ty, enc, err := encodeVariable(name, val)
		if err != nil {
			return nil, err
		}
		out = append(out, &plans.Variable{Name: name, Type: ty, Value: enc})
	}
	return out, nil
}

// encodeVariable is a value's type and value in cty's JSON encoding, as
// a saved plan holds them (and as a sensitive value's hash covers them).
func encodeVariable(name string, val cty.Value) (ty, enc []byte, err error) {
	if ty, err = ctyjson.MarshalType(val.Type()); err == nil {
		enc, err = ctyjson.Marshal(val, val.Type())
	}
	if err != nil {
		return nil, nil, fmt.Errorf("var.%s: %w", name, err)
	}
	return ty, enc, nil
}

// variableHash is the salted Argon2id hash of a sensitive value, its name
// and type mixed in (the same secret in two variables hashes apart).
func variableHash(name string, val cty.Value, salt []byte) ([]byte, error) {
	ty, enc, err := encodeVariable(name, val)
	if err != nil {
		return nil, err
	}
	msg := make([]byte, 0, len(name)+len(ty)+len(enc)+2)
	msg = append(append(append(append(append(msg, name...), 0), ty...), 0), enc...)
	return argon2.IDKey(msg, salt, argonTime, argonMemory, argonLanes, plans.HashLen), nil
}

// PlannedValues decodes a saved plan's non-sensitive variable values for
// config.LoadOptions.Planned. The plan was validated (sizes, nesting), so
// decoding is bounded; a value that does not decode is refused naming it.
func PlannedValues(p *plans.Plan) (map[string]cty.Value, error) {
	out := map[string]cty.Value{}
	for _, v := range p.Variables {
		if v.Sensitive {
			continue
		}
		ty, err := ctyjson.UnmarshalType(v.Type)
		if err != nil {
			return nil, fmt.Errorf("plan file: variable %s: type: %w", v.Name, err)
		}
		val, err := ctyjson.Unmarshal(v.Value, ty)
		if err != nil {
			return nil, fmt.Errorf("plan file: variable %s: value: %w", v.Name, err)
		}
		out[v.Name] = val
	}
	return out, nil
}

// CheckVariables compares the variables of the configuration apply loaded
// with those the saved plan was made with, and says which one differs
// before the configuration digest would only say that something did. A
// sensitive variable must be given again (its value is not in the plan)
// and is checked against the plan's hash; a non-sensitive one given again
// must equal the saved value.
func CheckVariables(p *plans.Plan, cfg *config.Config) error {
	planned, err := PlannedValues(p)
	if err != nil {
		return err
	}
	for _, sv := range p.Variables {
		v := cfg.Variables[sv.Name]
		if v == nil {
			return fmt.Errorf("saved plan sets var.%s, which the configuration no longer declares: run plan again", sv.Name)
		}
		val, _ := v.Value.UnmarkDeep()
		if !sv.Sensitive {
			if want := planned[sv.Name]; !val.RawEquals(want) {
				return fmt.Errorf("var.%s from %s differs from the value saved in the plan: give apply no value for it (the plan carries it) or the same one, or run plan again", sv.Name, v.Source)
			}
			continue
		}
		if v.Source == "" || v.Source == "default" {
			return fmt.Errorf("var.%s is sensitive, so the plan file does not carry its value: give apply the value plan had (-var, -var-file, a *%s file or %s%s)",
				sv.Name, config.VarsSuffix, config.EnvVarPrefix, sv.Name)
		}
		salt, err1 := hex.DecodeString(sv.Salt)
		want, err2 := hex.DecodeString(sv.Hash)
		if err1 != nil || err2 != nil {
			return fmt.Errorf("plan file: variable %s: bad salt or hash", sv.Name) // ValidatePlan checked both
		}
		got, err := variableHash(sv.Name, val, salt)
		if err != nil {
			return err
		}
		if subtle.ConstantTimeCompare(got, want) != 1 {
			return fmt.Errorf("var.%s (sensitive, from %s) differs from the value the plan was made with: give apply the same value, or run plan again", sv.Name, v.Source)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(cfg.Variables)) {
		v := cfg.Variables[name]
		if v.Source != "" && v.Source != "default" && v.Source != config.PlannedSource && !savedIn(p, name) {
			return fmt.Errorf("var.%s is set by %s, but the plan was made with its default: give apply no value for it, or run plan again", name, v.Source)
		}
	}
	return nil
}

func savedIn(p *plans.Plan, name string) bool {
	for _, v := range p.Variables {
		if v.Name == name {
			return true
		}
	}
	return false
}
