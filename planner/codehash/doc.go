// Package codehash hashes a model's code tree (and an environment's lock
// files): the files under a base directory matched by doublestar globs,
// each by path, kind and BLAKE3 content hash, so the same tree gives the
// same digest on any machine. CodeCache remembers unchanged files' hashes
// between runs (.mlform/cache/code.json). It is not a decision, so it lives
// apart from planner/policy, which only calls it.
package codehash
