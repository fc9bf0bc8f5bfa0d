package policy

import (
	"encoding/hex"
	"slices"
	"sync"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters of HideValue: OWASP's minimum (19 MiB, 2 passes),
// as for a sensitive variable's hash in a plan file. A process hashes
// each sensitive env name and value once, however many environments and
// models share it.
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
// The same value under the same name is hashed once per process: a fleet
// declares its environment in a module called for each region (one
// environment per instance, all passed the same secret), and apply plans
// again before it runs.
func HideValue(name, value string) string {
	e, _ := hidden.LoadOrStore(name+"\x00"+value, &hiddenValue{})
	h := e.(*hiddenValue)
	h.once.Do(func() { h.text = hideHash(name, value) })
	return h.text
}

// hidden memoises HideValue by name and value.
var hidden sync.Map

type hiddenValue struct {
	once sync.Once
	text string
}

// hideHash is the Argon2id hash itself (a variable for the test that
// counts calls).
var hideHash = func(name, value string) string {
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
