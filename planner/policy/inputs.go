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
func EnvFingerprint(baseDir string, files []string, env map[string]string, image, executor string) (string, error) {
	return envFingerprint(baseDir, files, env, image, executor, nil)
}

func envFingerprint(baseDir string, files []string, env map[string]string, image, executor string, cache *codehash.CodeCache) (string, error) {
	filesDigest, _, err := codehash.CodeHashCached(baseDir, files, cache)
	if err != nil {
		return "", fmt.Errorf("environment files: %w", err)
	}
	// Hashed in one piece: a streaming hasher costs kilobytes per call,
	// and plans call this once per model.
	var h bytes.Buffer
	fmt.Fprintf(&h, "executor\x00%s\nimage\x00%s\n", executor, image)
	keys := slices.Sorted(maps.Keys(env))
	for _, k := range keys {
		fmt.Fprintf(&h, "env\x00%s\x00%d\x00", k, len(env[k]))
		h.WriteString(env[k])
		h.WriteByte('\n')
	}
	fmt.Fprintf(&h, "files\x00%s\n", filesDigest)
	return hexDigest(h.Bytes()), nil
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
	fp, err := envFingerprint(spec.BaseDir, e.Files, e.Env, e.Image, e.Executor, spec.Cache)
	if err != nil {
		return state.Inputs{}, fmt.Errorf("environment %s: %w", e.Name, err)
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
