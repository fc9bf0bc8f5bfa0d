package policy

import (
	"encoding/hex"
	"slices"
	"sync"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters of HideValue: OWASP's minimum (19 MiB, 2 passes),
// as for a sensitive variable's hash in a plan file. A plan hashes each
// sensitive env name and value once (Hider), however many environments
// and models share it.
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

// Hider hides sensitive env values for one plan or apply, hashing each
// name and value once however many environments share it: a fleet
// declares its environment in a module called for each region (one
// environment per instance, all passed the same secret), and a 1,000-
// region plan took two minutes hashing one secret a thousand times. Safe
// for concurrent use. What it remembers is dropped with it.
type Hider struct {
	hash func(name, value string) string // HideValue (tests count calls)
	mu   sync.Mutex
	done map[[2]string]*hiddenValue
}

type hiddenValue struct {
	once sync.Once
	text string
}

// NewHider returns an empty Hider.
func NewHider() *Hider { return &Hider{hash: HideValue} }

// Hide is HideValue, computed once per name and value.
func (h *Hider) Hide(name, value string) string {
	h.mu.Lock()
	if h.done == nil {
		h.done = map[[2]string]*hiddenValue{}
	}
	key := [2]string{name, value}
	e := h.done[key]
	if e == nil {
		e = &hiddenValue{}
		h.done[key] = e
	}
	h.mu.Unlock()
	e.once.Do(func() { e.text = h.hash(name, value) })
	return e.text
}

// HiddenEnv is Environment.Hidden for an env whose values listed in
// secrets derive from a sensitive variable (config.Environment.Secrets:
// the texts of those values). nil when none does.
func (h *Hider) HiddenEnv(env map[string]string, secrets []string) map[string]string {
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
		out[k] = h.Hide(k, v)
	}
	return out
}
