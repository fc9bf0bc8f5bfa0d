// Package remote is the remote-step protocol: how a step runs on a machine
// that shares nothing with the one running `mlform apply` but the store.
//
// The controlling apply writes a Spec (the step's command, the ids of its
// inputs, the names of its environment variables, never their values) as
// an object in the model's store, and has an executor (Slurm, Kubernetes)
// run Job's argv and environment: the same mlform binary, as
// `mlform step run SPECID`. That process (planner/step.RunRemote)
// reads the spec, fetches the inputs by id into its own temporary working
// directory, runs the command under the unchanged training contract,
// uploads the outputs and logs, and writes a Result object, which a root
// named after the spec (ResultRoot) both protects from gc and lets the
// controller find. The controller only submits, watches and records.
//
// Everything here is executor-agnostic: an executor needs nothing but Job
// to run a step remotely. Spec and Result are read back from a store that
// others may write to, so their decoders treat them as untrusted input
// (bounded size, strict JSON, every name, id and path checked); both are
// fuzzed. docs/executors.md, "Remote-step protocol", is the user-facing
// description.
package remote
