package policy

import (
	"encoding/hex"
	"slices"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters of HideValue: OWASP's minimum (19 MiB, 2 passes),
// as for a sensitive variable's hash in a plan file. A plan is computed
// with one call per sensitive env value of each environment, not per
// model.
const (
	hideTime   = 2
	hideMemory = 19 * 1024 // KiB
	hideLanes  = 1
	hideLen    = 32
)

// HideValue is the form in which a sensitive env value enters an
// environment's fingerprint: an Argon2id hash salted with the env name,
// so that a fingerprint (shown in plans and PR comments, recorded in
// state) confirms a guessed secret only at the cost of a memory-hard
// hash per guess. Deterministic, as a fingerprint must be: the same
// value under the same name always hides to the same text.
func HideValue(name, value string) string {
	salt := append([]byte("mlform env fingerprint\x00"), name...)
	return hex.EncodeToString(argon2.IDKey([]byte(value), salt, hideTime, hideMemory, hideLanes, hideLen))
}

// HiddenEnv is Environment.Hidden for an env whose values listed in
// secrets derive from a sensitive variable (config.Environment.Secrets:
// the texts of those values). nil when none does.
func HiddenEnv(env map[string]string, secrets []string) map[string]string {
	if len(secrets) == 0 {
		return nil
	}
	var out map[string]string
	for k, v := range env {
		if !slices.Contains(secrets, v) {
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		out[k] = HideValue(k, v)
	}
	return out
}
