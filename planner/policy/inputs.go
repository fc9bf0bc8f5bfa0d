package policy

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/zeebo/blake3"

	"github.com/mlform/mlform/planner/codehash"
	"github.com/mlform/mlform/state"
)

// Environment is what a model's environment block contributes to its
// inputs. Only its fingerprint is recorded: env values may be secrets.
type Environment struct {
	Name     string
	Executor string
	Image    string
	// Files are lock files (paths or globs relative to the base directory)
	// whose content is fingerprinted.
	Files []string
	Env   map[string]string
	// Hidden holds, for each env name whose value derives from a
	// sensitive variable, HideValue of that value: the fingerprint mixes
	// in that slow hash instead of the value, so a fingerprint shown in a
	// plan or recorded in state cannot confirm a guessed secret at the
	// speed of one fast hash per guess.
	Hidden map[string]string
	// Recorded are the environment fingerprints the model's versions
	// recorded. Before Hidden existed, a sensitive value was hashed as it
	// is; when the environment's fingerprint in that old form is one of
	// these, the environment has not changed and the recorded fingerprint
	// stands (an upgrade retrains nothing).
	Recorded []string
}

// InputsSpec is a model's declared inputs as the planner sees them now.
type InputsSpec struct {
	// BaseDir is the working directory code globs and environment files
	// are relative to.
	BaseDir string
	// Snapshots maps dataset name to the snapshot id the model would
	// train on (the id a dataset will have after this plan's snapshots).
	Snapshots   map[string]string
	Code        []string
	Params      map[string]any
	Environment Environment
	Command     []string
	// Cache, when set, supplies the hashes of unchanged code and lock
	// files.
	Cache *codehash.CodeCache
}

// EnvFingerprint hashes an environment: its executor, image, env (names and
// values, sorted) and the content of its lock files. Files may be globs;
// each must match at least one file under baseDir. Values only ever appear
// hashed, mixed with everything else.
func EnvFingerprint(baseDir string, e Environment) (string, error) {
	fp, _, err := envFingerprint(baseDir, e, nil)
	return fp, err
}

// envFingerprint is EnvFingerprint, and the fingerprint in the form it
// had before sensitive values were hidden ("" when nothing is hidden,
// as the two are then the same).
func envFingerprint(baseDir string, e Environment, cache *codehash.CodeCache) (fp, old string, err error) {
	filesDigest, _, err := codehash.CodeHashCached(baseDir, e.Files, cache)
	if err != nil {
		return "", "", fmt.Errorf("environment files: %w", err)
	}
	fp = hexDigest(fingerprintText(e, filesDigest, e.Hidden))
	if len(e.Hidden) > 0 {
		old = hexDigest(fingerprintText(e, filesDigest, nil))
	}
	return fp, old, nil
}

// fingerprintText is what an environment's fingerprint hashes: a value
// named in hidden is written as its hidden form, marked so that it can
// never equal a value written as it is. Hashed in one piece: a streaming
// hasher costs kilobytes per call, and plans call this once per model.
func fingerprintText(e Environment, filesDigest string, hidden map[string]string) []byte {
	var h bytes.Buffer
	fmt.Fprintf(&h, "executor\x00%s\nimage\x00%s\n", e.Executor, e.Image)
	for _, k := range slices.Sorted(maps.Keys(e.Env)) {
		if d, ok := hidden[k]; ok {
			fmt.Fprintf(&h, "env-hidden\x00%s\x00%s\n", k, d)
			continue
		}
		fmt.Fprintf(&h, "env\x00%s\x00%d\x00", k, len(e.Env[k]))
		h.WriteString(e.Env[k])
		h.WriteByte('\n')
	}
	fmt.Fprintf(&h, "files\x00%s\n", filesDigest)
	return h.Bytes()
}

// BuildInputs computes a model's inputs: the code tree hash, the canonical
// params (in the form state stores them), the environment fingerprint,
// the snapshots and command, and the digest over all of them.
func BuildInputs(spec InputsSpec) (state.Inputs, error) {
	code, tree, files, err := codehash.CodeTreeCached(spec.BaseDir, spec.Code, spec.Cache)
	if err != nil {
		return state.Inputs{}, fmt.Errorf("code: %w", err)
	}
	params, err := NormalizeParams(spec.Params)
	if err != nil {
		return state.Inputs{}, err
	}
	e := spec.Environment
	fp, old, err := envFingerprint(spec.BaseDir, e, spec.Cache)
	if err != nil {
		return state.Inputs{}, fmt.Errorf("environment %s: %w", e.Name, err)
	}
	if old != "" && slices.Contains(e.Recorded, old) {
		fp = old
	}
	snaps := make(map[string]string, len(spec.Snapshots))
	for k, v := range spec.Snapshots {
		snaps[k] = v
	}
	in := state.Inputs{
		Snapshots:      snaps,
		CodeHash:       code,
		CodeFiles:      files,
		CodeTree:       tree,
		Params:         params,
		Environment:    e.Name,
		EnvFingerprint: fp,
		Command:        append([]string(nil), spec.Command...),
	}
	in.Digest, err = InputsDigest(in)
	if err != nil {
		return state.Inputs{}, err
	}
	return in, nil
}

// InputsDigest hashes everything a version is built from: snapshot ids by
// dataset, code hash, canonical params, environment fingerprint and the
// command. The environment's name, the code file count and the code
// listing are descriptive and not part of it: renaming an environment block changes
// nothing that was built. The stored Digest field is ignored.
func InputsDigest(in state.Inputs) (string, error) {
	params, err := CanonicalParams(in.Params)
	if err != nil {
		return "", err
	}
	var h bytes.Buffer
	names := slices.Sorted(maps.Keys(in.Snapshots))
	for _, k := range names {
		fmt.Fprintf(&h, "snapshot\x00%s\x00%s\n", k, in.Snapshots[k])
	}
	command := in.Command
	if command == nil {
		command = []string{} // nil and empty decode alike from state
	}
	cmd, _ := json.Marshal(command) // []string always marshals
	fmt.Fprintf(&h, "code\x00%s\nparams\x00%s\nenv\x00%s\ncommand\x00%s\n",
		in.CodeHash, params, in.EnvFingerprint, cmd)
	return hexDigest(h.Bytes()), nil
}

// hexDigest is the BLAKE3-256 hex digest of b.
func hexDigest(b []byte) string {
	sum := blake3.Sum256(b)
	return hex.EncodeToString(sum[:])
}
