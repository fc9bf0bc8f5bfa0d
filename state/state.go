// Package state holds mlform's recorded world: which dataset snapshots and
// model versions exist, where aliases point and when policies last fired.
// The document is JSON (see docs/state.md); this file is its model. Reading,
// writing, backends and locking live beside it.
package state

import (
	"time"
)

// FormatVersion is the newest state document format this build reads and
// writes. Documents with a greater format_version are refused. A document
// is written in the oldest format that can hold it (see MinFormat), so an
// older mlform keeps reading states that use nothing newer.
const FormatVersion = 7

// State is the whole recorded world of one workspace.
type State struct {
	FormatVersion int    `json:"format_version"`
	Lineage       string `json:"lineage"` // uuid, fixed for the life of the workspace
	Serial        uint64 `json:"serial"`  // bumped only when content changes
	MLFormVersion string `json:"mlform_version"`
	// Checksum is the BLAKE3 hex digest of the document with this field
	// empty; verified on every read.
	Checksum string `json:"checksum"`

	Datasets map[string]*Dataset `json:"datasets"`
	Models   map[string]*Model   `json:"models"`
	// Policies holds retrain-policy bookkeeping, by policy name.
	Policies map[string]*Policy `json:"policies"`
	// Publications records the last publish of each promotion, by promotion name.
	Publications map[string]*Publication `json:"publications,omitempty"`
	// RemovedModels keeps the next version number of each model removed
	// with `state rm` or renamed by a moved block, so a model declared
	// again never reuses a number.
	// Use EnsureModel to create models.
	RemovedModels map[string]int `json:"removed_models,omitempty"`
	// RetainedSnapshots keeps, by dataset name, the records of snapshots
	// that left their dataset's history (`state rm -force` of the dataset
	// or of the snapshot) while recorded versions still use them: gc keeps
	// their data and reproduce/pull of those versions find their store
	// here. A record is dropped once no version uses it (format 2).
	RetainedSnapshots map[string]*Dataset `json:"retained_snapshots,omitempty"`
	// Stores records, by storage block name, the store each block named
	// when apply last wrote the state (format 7; stores.go): a url edited
	// since is refused until it is put back or `mlform init` finds the
	// objects at the new place.
	Stores map[string]*StoreRecord `json:"stores,omitempty"`
}

// Dataset is one declared dataset and its snapshot history.
type Dataset struct {
	Name string `json:"name"`
	// Snapshots in the order they were taken; the last is current.
	Snapshots []*Snapshot `json:"snapshots"`
}

// Snapshot is one recorded version of a dataset's files.
type Snapshot struct {
	// ID is the hash of the canonical manifest: same content, same id.
	ID        string    `json:"id"`
	CreatedAt time.Time `json:"created_at"`
	Source    string    `json:"source"` // redacted source URL or path
	Files     int       `json:"files"`
	Bytes     int64     `json:"bytes"`
	// ProfileID names the column profile object in the store ("" when the
	// dataset declares no stats columns).
	ProfileID string `json:"profile_id,omitempty"`
	// Store names the storage block holding the manifest.
	Store string `json:"store"`
}

// Model is one declared model, its versions and its aliases.
type Model struct {
	Name string `json:"name"`
	// NextVersion is the number the next attempt gets; never reused, even
	// for failed attempts or after `state rm`.
	NextVersion int        `json:"next_version"`
	Versions    []*Version `json:"versions"`
	// Aliases by name ("production", "staging", ...).
	Aliases map[string]*Alias `json:"aliases"`
	// Evaluations caches evaluate-step results by version and snapshot set.
	Evaluations []*Evaluation `json:"evaluations,omitempty"`
	// Approvals records `mlform approve`: one version, one promotion
	// (format 3; approval.go).
	Approvals []*Approval `json:"approvals,omitempty"`
	// Awaiting records the awaiting_approval events apply sent, the
	// newest per promotion and alias (format 6; awaiting.go).
	Awaiting []*Awaiting `json:"awaiting,omitempty"`
	// Running lists the attempts submitted to a batch executor and not
	// collected yet (state/running.go): the next apply re-attaches.
	Running []*RunningAttempt `json:"running,omitempty"`
	// Evaluating lists the evaluate steps submitted to a batch executor
	// and not read yet (state/evaluating.go): an apply that needs the
	// same evaluation re-attaches.
	Evaluating []*RunningEvaluation `json:"evaluating,omitempty"`
}

// Version statuses.
const (
	StatusSucceeded = "succeeded"
	StatusFailed    = "failed"
	StatusTimedOut  = "timed_out"
	StatusCancelled = "cancelled"
)

// Version is one training attempt of a model, immutable once recorded.
type Version struct {
	Version int    `json:"version"`
	Status  string `json:"status"`
	// Reasons says why the version was trained (the plan's reasons).
	Reasons []string `json:"reasons,omitempty"`
	Inputs  Inputs   `json:"inputs"`
	// ArtifactsID is the manifest id of the output directory in the store.
	ArtifactsID string `json:"artifacts_id,omitempty"`
	// LogsID is the manifest id of the captured stdout/stderr.
	LogsID string `json:"logs_id,omitempty"`
	// CodeID is the manifest id of the code archive: the files the
	// model's code globs selected when it trained ("" for versions
	// recorded before archives existed, or a model without code globs).
	CodeID string `json:"code_id,omitempty"`
	// Job names the batch job that ran a remote attempt ("slurm job 1234").
	Job         string             `json:"job,omitempty"`
	Metrics     map[string]float64 `json:"metrics,omitempty"`
	StartedAt   time.Time          `json:"started_at"`
	EndedAt     time.Time          `json:"ended_at"`
	ExitCode    int                `json:"exit_code"`
	Error       string             `json:"error,omitempty"`
	Host        string             `json:"host"`
	User        string             `json:"user"`
	GitCommit   string             `json:"git_commit,omitempty"`
	Description string             `json:"description,omitempty"`
	PlanDigest  string             `json:"plan_digest,omitempty"`
	Store       string             `json:"store"`
	// EnvironmentID and CardID name store objects in Store: the
	// environment record and the model card (format 3; approval.go).
	EnvironmentID string `json:"environment_id,omitempty"`
	CardID        string `json:"card_id,omitempty"`
	// TrainedAs keeps the names the version's step ran with where a
	// moved block renamed its model or datasets since (format 5; nil
	// when every name is today's; trained_as.go).
	TrainedAs *TrainedAs `json:"trained_as,omitempty"`
}

// Inputs is everything a version was built from. Two versions with equal
// Digest were built from the same inputs.
type Inputs struct {
	// Snapshots maps dataset name to snapshot id.
	Snapshots map[string]string `json:"snapshots"`
	CodeHash  string            `json:"code_hash"`
	// CodeFiles is the number of files hashed into CodeHash.
	CodeFiles int `json:"code_files"`
	// CodeTree lists the code files: relative path -> a 16-hex-digit key
	// of mode and content (planner/codehash.CodeTreeCached), so a code
	// change can name the files it touched. Descriptive (not in Digest);
	// absent for trees over 1000 files and in versions recorded before it.
	CodeTree map[string]string `json:"code_tree,omitempty"`
	// Params is the canonical JSON object of train params.
	Params         map[string]any `json:"params"`
	Environment    string         `json:"environment,omitempty"`
	EnvFingerprint string         `json:"env_fingerprint"`
	Command        []string       `json:"command"`
	// Digest is the hash over all of the above.
	Digest string `json:"digest"`
}

// Alias points a name at one version; History keeps every move.
type Alias struct {
	Name    string       `json:"name"`
	Version int          `json:"version"`
	History []*AliasMove `json:"history"`
}

// AliasMove records one promotion or rollback.
type AliasMove struct {
	From       int       `json:"from"` // 0: the alias did not exist
	To         int       `json:"to"`
	At         time.Time `json:"at"`
	By         string    `json:"by"`
	PlanDigest string    `json:"plan_digest,omitempty"`
	Promotion  string    `json:"promotion,omitempty"`
	Reason     string    `json:"reason,omitempty"`
	// ApprovedBy and ApprovedAt copy the approval the move needed
	// (format 3).
	ApprovedBy string    `json:"approved_by,omitempty"`
	ApprovedAt time.Time `json:"approved_at,omitzero"`
}

// Evaluation is one run of a model's evaluate step on a set of snapshots.
type Evaluation struct {
	Version   int                `json:"version"`
	Snapshots map[string]string  `json:"snapshots"`
	Metrics   map[string]float64 `json:"metrics"`
	At        time.Time          `json:"at"`
	Status    string             `json:"status"`
	// Evaluator is the digest of the evaluate step that ran (command,
	// params, code, environment): a promotion compares only evaluations by
	// the same evaluator (format 3).
	Evaluator string `json:"evaluator,omitempty"`
}

// Policy is a retrain policy's bookkeeping.
type Policy struct {
	Name string `json:"name"`
	// LastTrain is when the policy last caused a successful train, by model.
	LastTrain map[string]time.Time `json:"last_train"`
}

// Publication is the last publish of a promotion's artifacts.
type Publication struct {
	Version int       `json:"version"`
	URL     string    `json:"url"` // redacted
	At      time.Time `json:"at"`
}
