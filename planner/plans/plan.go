// Package plans is the plan model every other part reads: Plan, its
// actions with the reasons they exist, notes and outputs; the saved plan
// file (EncodePlan/DecodePlan, checksummed and validated: a plan file is
// untrusted input); ValidatePlan; the dependency order of actions
// (ActionOrder); and the documented `plan -json` document (json.go,
// docs/plan-json.md). The planner produces a Plan, the apply engine
// executes it, and planner/render shows it, so what a reviewer reads is
// exactly what apply does.
package plans

import (
	"time"

	"github.com/mlform/mlform/providers/storage/manifest"
)

// PlanFormatVersion is the version of the Plan model (and of saved plan
// files). Decoders refuse any other version.
const PlanFormatVersion = 1

// Action kinds. The apply engine dispatches on Kind to a runner (see
// the top-level planner's newRunners and planner/engine).
const (
	KindSnapshot = "snapshot"
	KindTrain    = "train"
	KindEvaluate = "evaluate"
	KindPromote  = "promote"
	KindPublish  = "publish"
	KindRemove   = "remove"
	// KindForget forgets one snapshot or version a retention block no
	// longer keeps (state only; gc frees the data): planner/retention.
	KindForget = "forget"
)

// knownKinds lists every kind a plan file may carry.
var knownKinds = map[string]bool{
	KindSnapshot: true, KindTrain: true, KindEvaluate: true,
	KindPromote: true, KindPublish: true, KindRemove: true, KindForget: true,
}

// ReasonCode says, in a machine-readable way, why an action exists.
type ReasonCode string

// Reason codes. Renderers and `-json` consumers may switch on them; new
// codes may be added, existing ones are never renamed.
const (
	ReasonNew                ReasonCode = "new"                 // never done before
	ReasonDataChanged        ReasonCode = "data_changed"        // a dataset's content differs from its last snapshot
	ReasonCodeChanged        ReasonCode = "code_changed"        // the model's code tree hash changed
	ReasonParamsChanged      ReasonCode = "params_changed"      // train params changed
	ReasonEnvironmentChanged ReasonCode = "environment_changed" // environment fingerprint changed
	ReasonCommandChanged     ReasonCode = "command_changed"     // the train command changed
	ReasonScheduleDue        ReasonCode = "schedule_due"        // a schedule or `every` came due
	ReasonDrift              ReasonCode = "drift"               // data drift above the policy threshold
	ReasonMetricBelow        ReasonCode = "metric_below"        // a champion metric under its floor
	ReasonMetricAbove        ReasonCode = "metric_above"        // a champion metric over its ceiling
	ReasonReplace            ReasonCode = "replace"             // -replace ADDR forced it
	ReasonPinned             ReasonCode = "pinned"              // a promotion pins a version
	ReasonCandidate          ReasonCode = "candidate"           // a new candidate version may be promoted
	ReasonRemoved            ReasonCode = "removed_from_config" // declared no more
	ReasonDependency         ReasonCode = "dependency"          // an upstream action changes this one's inputs
	// Retention reasons of a forget action; every rule of the block that
	// does not keep it is a reason, plus unused for a snapshot.
	ReasonNotAmongLast ReasonCode = "not_among_last" // keep_last does not keep it (data: keep_last)
	ReasonOlderThan    ReasonCode = "older_than"     // keep_within does not keep it (data: keep_within)
	ReasonUnused       ReasonCode = "unused"         // a snapshot no kept version uses
	ReasonFailed       ReasonCode = "failed_attempt" // a version that did not succeed (data: status)
)

// Plan is everything `mlform plan` decided: the actions apply will take, the
// notes explaining what it chose not to do, and the identity of the state
// and configuration it was made against (so a saved plan can be refused
// when either moved).
type Plan struct {
	FormatVersion int       `json:"format_version"`
	CreatedAt     time.Time `json:"created_at"`
	// FixedClock is set when CreatedAt was given (-now / MLFORM_NOW):
	// apply of the saved plan then runs on that clock, so what it records
	// (versions, alias moves, last train) is stamped with the time the
	// plan decided at (docs/policies.md, "one clock").
	FixedClock    bool   `json:"fixed_clock,omitempty"`
	MLFormVersion string `json:"mlform_version,omitempty"`
	// Lineage and Serial identify the state the plan was made against.
	Lineage string `json:"lineage"`
	Serial  uint64 `json:"serial"`
	// ConfigDigest is config.Config.Digest when the plan was made.
	ConfigDigest string `json:"config_digest"`
	// Targets and Replace repeat -target and -replace.
	Targets []string `json:"targets,omitempty"`
	Replace []string `json:"replace,omitempty"`
	// Refreshed is false when -refresh=false skipped observing the sources
	// of datasets that have a snapshot.
	Refreshed bool `json:"refreshed"`
	// Moves are the state migrations of moved blocks, done first
	// (planner/plans/moves.go).
	Moves   []*Move   `json:"moves,omitempty"`
	Actions []*Action `json:"actions"`
	Notes   []*Note   `json:"notes,omitempty"`
	Outputs []*Output `json:"outputs,omitempty"`
	// Variables are the values given for input variables when the plan
	// was made (not the defaults), as Terraform saves them, so apply
	// PLANFILE needs no -var: non-sensitive ones by value, sensitive ones
	// only as a salted hash that apply checks the value given again
	// against (variables.go).
	Variables []*Variable `json:"variables,omitempty"`
}

// Action is one step apply will take, with every reason it exists.
type Action struct {
	// Addr is the object acted on: "dataset.churn", "model.churn",
	// "promotion.churn_production".
	Addr string `json:"addr"`
	Kind string `json:"kind"`
	// Reasons is never empty: an action without a reason is a bug.
	Reasons []Reason `json:"reasons"`
	// DependsOn lists the Addr of actions in this plan that must succeed
	// before this one starts.
	DependsOn []string `json:"depends_on,omitempty"`

	Snapshot *SnapshotChange `json:"snapshot,omitempty"`
	Train    *TrainChange    `json:"train,omitempty"`
	Evaluate *EvaluateChange `json:"evaluate,omitempty"`
	Promote  *PromoteChange  `json:"promote,omitempty"`
	Publish  *PublishChange  `json:"publish,omitempty"`
	Remove   *RemoveChange   `json:"remove,omitempty"`
	Forget   *ForgetChange   `json:"forget,omitempty"`
}

// ID is the action's identity inside a plan: kind and address (a model may
// have both a train and an evaluate action).
func (a *Action) ID() string { return a.Kind + " " + a.Addr }

// Reason is one cause of an action, readable (Message) and typed (Code,
// Data).
type Reason struct {
	Code    ReasonCode     `json:"code"`
	Message string         `json:"message"`
	Data    map[string]any `json:"data,omitempty"`
}

// SnapshotChange describes a dataset snapshot: what differs from the last
// snapshot and the observation apply stores.
type SnapshotChange struct {
	Dataset string `json:"dataset"`
	// Source is the redacted source path or URL.
	Source string `json:"source"`
	Store  string `json:"store"`
	// OldID is the current snapshot id ("" for the first snapshot).
	OldID string `json:"old_id,omitempty"`
	// NewID is the id the new snapshot will have.
	NewID string `json:"new_id"`
	Files int    `json:"files"`
	Bytes int64  `json:"bytes"`

	Added        int   `json:"added"`
	Changed      int   `json:"changed"`
	Removed      int   `json:"removed"`
	AddedBytes   int64 `json:"added_bytes"`
	ChangedBytes int64 `json:"changed_bytes"` // new size minus old size over changed files
	RemovedBytes int64 `json:"removed_bytes"`
	// DiffKnown is false when the old manifest could not be read, so the
	// counts above are unknown (only totals are shown).
	DiffKnown bool `json:"diff_known"`
	// Paths holds the first few changed paths, each with its change.
	Paths []PathChange `json:"paths,omitempty"`

	// Observation is what apply stores; never rendered.
	Observation *Observation `json:"observation,omitempty"`
}

// PathChange is one changed file in a snapshot diff.
type PathChange struct {
	Path   string `json:"path"`
	Change string `json:"change"` // "added", "changed" or "removed"
	Delta  int64  `json:"delta"`  // size difference in bytes
}

// Observation is the part of a dataset observation apply needs: every file
// with the hash it had at plan time, and the encoded column profile.
type Observation struct {
	Files []ObservedFile `json:"files"`
	// Profile is the profile's JSON encoding (nil when no stats columns).
	Profile []byte `json:"profile,omitempty"`

	// Stored holds, in memory only (never in a plan file), the files this
	// process already wrote to the store while observing (apply
	// -auto-approve stores in the same pass), by index in Files, with
	// their chunks: apply seals them instead of reading them again.
	Stored map[int]manifest.File `json:"-"`
}

// ObservedFile is one file as plan saw it.
type ObservedFile struct {
	Path string `json:"path"`
	Size int64  `json:"size"`
	Hash string `json:"hash"`
	Mode uint32 `json:"mode,omitempty"`
}

// TrainChange describes a planned training run.
type TrainChange struct {
	Model string `json:"model"`
	// Version is the version number the attempt will get.
	Version      int    `json:"version"`
	InputsDigest string `json:"inputs_digest,omitempty"`
	// Snapshots maps dataset name to the snapshot id the run trains on
	// (possibly one this plan creates).
	Snapshots    map[string]string `json:"snapshots,omitempty"`
	ParamChanges []Change          `json:"param_changes,omitempty"`
	// Champion is the version currently trained on (0: none).
	Previous int `json:"previous,omitempty"`
	// Collect marks the attempt Version as already running on a batch
	// executor (submitted by an earlier apply): apply re-attaches to its
	// job and records it instead of training again.
	Collect bool `json:"collect,omitempty"`
}

// Change is one attribute that differs (e.g. "params.learning_rate").
// Sensitive values are never rendered.
type Change struct {
	Path string `json:"path"`
	// Old is nil for an added param and New for a removed one, unless
	// OldNull or NewNull says the param is there with the value null
	// (x = null -> 1 changes x; it does not add it).
	Old       any  `json:"old,omitempty"`
	New       any  `json:"new,omitempty"`
	OldNull   bool `json:"old_null,omitempty"`
	NewNull   bool `json:"new_null,omitempty"`
	Sensitive bool `json:"sensitive,omitempty"`
}

// HasOld reports whether the attribute existed before (possibly null).
func (c Change) HasOld() bool { return c.Old != nil || c.OldNull }

// HasNew reports whether the attribute exists after (possibly null).
func (c Change) HasNew() bool { return c.New != nil || c.NewNull }

// EvaluateChange describes an evaluation of an existing version on current
// data (for metric triggers).
type EvaluateChange struct {
	Model     string            `json:"model"`
	Version   int               `json:"version"`
	Snapshots map[string]string `json:"snapshots,omitempty"`
}

// PromoteChange describes an alias move.
type PromoteChange struct {
	Model     string `json:"model"`
	Promotion string `json:"promotion"`
	Alias     string `json:"alias"`
	// From is the current target (0: the alias does not exist yet).
	From int `json:"from"`
	// To is the candidate version (0: not known before apply).
	To int `json:"to"`
	// KnownAfterApply is true when the candidate is trained by this plan,
	// so whether the alias moves is decided by the gates at apply.
	KnownAfterApply bool   `json:"known_after_apply,omitempty"`
	Gates           int    `json:"gates"`
	MustBeat        string `json:"must_beat,omitempty"`
	Pinned          bool   `json:"pinned,omitempty"`
}

// PublishChange describes copying a promoted version's artifacts to a URL.
type PublishChange struct {
	Promotion string `json:"promotion"`
	Model     string `json:"model"`
	// URL is redacted.
	URL     string `json:"url"`
	Version int    `json:"version"` // 0: known after apply
}

// RemoveChange describes forgetting an object no longer declared.
type RemoveChange struct {
	What string `json:"what"`
}

// ForgetChange describes forgetting one recorded snapshot (Dataset,
// Snapshot) or version (Model, Version) that retention no longer keeps.
// Only the state record goes; gc frees the data afterwards.
type ForgetChange struct {
	Dataset  string `json:"dataset,omitempty"`
	Snapshot string `json:"snapshot,omitempty"` // full id
	Model    string `json:"model,omitempty"`
	Version  int    `json:"version,omitempty"`
	// CreatedAt is when the snapshot was taken or the version started.
	CreatedAt time.Time `json:"created_at"`
	// Bytes is the snapshot's size (0 for a version: artifacts are not
	// sized in state). gc frees it only if nothing else uses the chunks.
	Bytes int64 `json:"bytes,omitempty"`
}

// Note explains something plan decided not to do, or a warning.
type Note struct {
	Addr    string     `json:"addr,omitempty"`
	Code    ReasonCode `json:"code,omitempty"`
	Message string     `json:"message"`
	// DueAt is when a deferred action becomes due (zero: n/a).
	DueAt time.Time `json:"due_at,omitempty"`
}

// Output is an output value as it will be after apply.
type Output struct {
	Name      string `json:"name"`
	Sensitive bool   `json:"sensitive,omitempty"`
	// Known is false when the value depends on apply (e.g. a promotion's
	// version).
	Known bool `json:"known"`
	// Value is nil when sensitive or unknown.
	Value any `json:"value,omitempty"`
}

// HasChanges reports whether applying the plan would do anything.
func (p *Plan) HasChanges() bool { return len(p.Actions) > 0 || len(p.Moves) > 0 }

// Counts returns the number of actions by kind.
func (p *Plan) Counts() map[string]int {
	c := map[string]int{}
	for _, a := range p.Actions {
		c[a.Kind]++
	}
	return c
}

// Action returns the action with the given kind and address, or nil.
func (p *Plan) Action(kind, addr string) *Action {
	for _, a := range p.Actions {
		if a.Kind == kind && a.Addr == addr {
			return a
		}
	}
	return nil
}
