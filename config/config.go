// Package config turns a directory of *.mlf.hcl files into a typed,
// evaluated Config. It owns the language: the schema of every block,
// variables and their precedence, references between blocks and the
// diagnostics a user sees when any of that is wrong. Its leaves know
// nothing of blocks: config/lang (functions, evaluation limits),
// config/check (grammars of string settings), config/diag (rendering
// diagnostics) and config/format (mlform fmt).
//
// Everything in a Config is a plain Go value except what can only be
// decided at apply time: promotion gate conditions (EvalGate) and outputs
// (EvalOutputs). Every object keeps the hcl.Range it was declared at so
// later stages can point at the configuration in their own diagnostics.
package config

import (
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/mlform/mlform/config/vars"
	"github.com/mlform/mlform/internal/bloburl"
)

// Defaults used when the configuration does not say otherwise.
const (
	DefaultBackendURL  = "file://.mlform/state"
	DefaultStorageName = "default"
	DefaultStorageURL  = "file://.mlform/store"
	DefaultExecutor    = "local"
)

// FileSuffix and VarsSuffix name the files Load reads.
const (
	FileSuffix = ".mlf.hcl"
	VarsSuffix = vars.Suffix
)

// Config is one evaluated workspace configuration.
type Config struct {
	// Dir is the directory the configuration was loaded from, as given.
	Dir string
	// Files holds every parsed file by the name used in diagnostics
	// (Dir joined with the base name), for snippets.
	Files map[string]*hcl.File

	// RequiredVersion is the mlform block's constraint ("" if none).
	RequiredVersion string
	Backend         Backend

	Variables       map[string]*Variable
	Locals          map[string]*Local
	Storage         map[string]*Storage
	Environments    map[string]*Environment
	Datasets        map[string]*Dataset
	Models          map[string]*Model
	RetrainPolicies map[string]*RetrainPolicy
	Promotions      map[string]*Promotion
	Outputs         map[string]*Output
	// Moved lists the moved blocks in file order (config/moved.go).
	Moved []Moved
	// Notifications are the notify blocks (build_notify.go).
	Notifications map[string]*Notify

	// Digest is the hex BLAKE3 of the sorted file names and contents and of
	// the effective variable values (sensitive ones only as their hash).
	// A saved plan records it; apply refuses a plan whose digest changed.
	Digest string

	// scope holds the evaluated values of every object, for apply-time
	// evaluation of gates and outputs.
	scope *scope
}

// Backend is where state lives.
type Backend struct {
	Type     string // "blob"
	URL      string
	Range    hcl.Range
	URLRange hcl.Range // the url's expression (zero when not set)
}

// Local is one named local value.
type Local struct {
	Name string
	// Value is never marked; Sensitive says it derives from a sensitive
	// variable.
	Value     cty.Value
	Sensitive bool
	DeclRange hcl.Range
}

// Storage is a named artifact store (a blob URL).
type Storage struct {
	Name string
	URL  string
	// URLSensitive: URL derives from a sensitive variable; it is opened
	// but shown only as SensitivePlaceholder.
	URLSensitive bool
	DeclRange    hcl.Range
	URLRange     hcl.Range // the url's expression (zero for the implicit default)
}

// Environment is how and where train and evaluate steps run.
type Environment struct {
	Name     string
	Executor string   // default "local"
	Files    []string // lock files (globs) whose content is fingerprinted
	Env      map[string]string
	Image    string
	// Capture are commands (run by sh -c) whose output is stored with
	// every version trained in this environment (build_provenance.go).
	Capture []string
	// Secrets are the env values derived from a sensitive variable: they
	// are only ever hashed, and redacted from what the steps print.
	Secrets   []string
	DeclRange hcl.Range
	// Settings are the executor settings blocks by block type (the
	// executor they are for): `slurm { partition = "gpu" }`. Which
	// executors exist and what they accept is checked by
	// planner.CheckExecutors, not here.
	Settings map[string]*ExecutorSettings
	// ExecutorRange and ImageRange locate the executor and image
	// arguments (zero when not written), for the checks that need the
	// executor registry, which config does not know (planner.CheckExecutors).
	ExecutorRange, ImageRange hcl.Range
}

// Dataset is a versioned set of files.
type Dataset struct {
	Name   string
	Source string // a path relative to the working directory, or a blob URL prefix
	// SourceSensitive is set when Source is derived from a sensitive
	// variable: it is then read, but never shown or recorded (see
	// SourceDisplay).
	SourceSensitive bool
	SourceRange     hcl.Range // the source's expression
	Include         []string
	Exclude         []string
	Storage         string // storage block name; "" means "default"
	Description     string
	Stats           *Stats     // nil: no profile
	Retention       *Retention // nil: keep every snapshot
	DeclRange       hcl.Range
}

// SourceDisplay is how plans, state, the stat cache and messages name the
// dataset's source: SensitivePlaceholder when it derives from a sensitive
// variable (any part of it could be the secret), else the URL with its
// credentials redacted.
func (d *Dataset) SourceDisplay() string {
	if d.SourceSensitive {
		return SensitivePlaceholder
	}
	return bloburl.Redact(d.Source)
}

// Stats lists the columns profiled for drift.
type Stats struct {
	Columns []string
}

// Model is a trainable model.
type Model struct {
	Name        string
	Description string
	Datasets    []string // dataset names
	Environment string   // environment name; "" for none
	Code        []string // globs relative to the working directory
	Storage     string   // storage block name; "" means "default"
	Train       Step
	Evaluate    *Step      // nil: no evaluate step
	Retention   *Retention // nil: keep every version
	// Card is the model card file (relative to the working directory)
	// stored with each version; "" for none.
	Card      string
	DeclRange hcl.Range
}

// Step is a train or evaluate command.
type Step struct {
	Command []string
	// Params are JSON-compatible: float64, string, bool, nil, []any,
	// map[string]any.
	Params  map[string]any
	Timeout time.Duration // 0: none
	// Metrics are the metric names the step declares it writes (nil: not
	// declared, so names that read them are not checked); MetricsRange
	// locates the declaration (check_metrics.go).
	Metrics      []string
	MetricsRange hcl.Range
	Range        hcl.Range
}

// RetrainPolicy says when models retrain.
type RetrainPolicy struct {
	Name      string
	Models    []string // model names
	OnChange  []string // subset of data, code, params, environment
	Schedule  string   // cron expression or descriptor; "" for none
	Every     time.Duration
	Cooldown  time.Duration
	Metrics   []MetricTrigger
	Drift     *Drift
	DeclRange hcl.Range
}

// MetricTrigger fires when the champion's metric leaves its bounds.
type MetricTrigger struct {
	Name  string
	Below *float64
	Above *float64
	Range hcl.Range
}

// Drift fires when a profiled column drifts more than Threshold.
type Drift struct {
	Method    string // "psi" or "ks"
	Threshold float64
	Columns   []string // empty: every stats column
	Range     hcl.Range
}

// Promotion moves an alias of a model to a version that passes its gates.
type Promotion struct {
	Name     string
	Model    string
	Alias    string
	Gates    []Gate
	MustBeat *MustBeat
	// Version pins the alias; 0 means not pinned.
	Version int
	Publish *Publish
	// From takes the candidate from another alias of the model ("":
	// the latest succeeded version); Approval holds a passing candidate
	// until `mlform approve`; EvaluateOn names the datasets candidate and
	// champion are evaluated on (empty: the candidate's training data).
	// See build_promotion_stage.go.
	From            string
	FromRange       hcl.Range
	Approval        bool
	EvaluateOn      []string
	EvaluateOnRange hcl.Range
	DeclRange       hcl.Range
}

// Gate is a condition on candidate.metrics and champion.metrics, evaluated
// at apply time by EvalGate.
type Gate struct {
	Condition    hcl.Expression
	ErrorMessage string
	Range        hcl.Range
	// instance is each or count of an expanded promotion's instance;
	// scope what its module's references see (config/module.go).
	instance map[string]cty.Value
	scope    *scope
}

// MustBeat requires the candidate to beat the champion on one metric.
type MustBeat struct {
	Metric    string
	Direction string // "higher" (default) or "lower"
	MinDelta  float64
	Range     hcl.Range
	// MetricRange locates the metric argument.
	MetricRange hcl.Range
}

// Publish copies promoted artifacts as plain files to a blob URL.
type Publish struct {
	URL string
	// URLSensitive: URL derives from a sensitive variable (host or path
	// may be the secret); it is written to, but never shown or recorded.
	URLSensitive bool
	Range        hcl.Range
	URLRange     hcl.Range // the url's expression
}

// Output is a value shown after apply and by `mlform output`.
type Output struct {
	Name        string
	Description string
	Sensitive   bool
	Expr        hcl.Expression
	DeclRange   hcl.Range
	// each is how an instance of an expanded output finds its each or
	// count again when the world is known (config/expand_output.go).
	each *outputInstance
}

// OutputValue is an evaluated output.
type OutputValue struct {
	Value     cty.Value
	Sensitive bool
}

// World is what apply knows that the configuration does not: the recorded
// versions, aliases and snapshots outputs may refer to.
type World struct {
	Promotions map[string]PromotionWorld
	Models     map[string]ModelWorld
	Datasets   map[string]DatasetWorld
}

// PromotionWorld is where a promotion's alias points (Version 0: nowhere).
type PromotionWorld struct {
	Version int
	Alias   string
	Model   string
	// Pending: a plan moves the alias only while it applies (to a version
	// it trains), so version reads as unknown ("known after apply").
	Pending bool
}

// ModelWorld is a model's recorded versions.
type ModelWorld struct {
	LatestVersion int
	Aliases       map[string]int
	// Pending: a plan trains or evaluates the model, so latest_version and
	// aliases read as unknown ("known after apply").
	Pending bool
}

// DatasetWorld is a dataset's current snapshot.
type DatasetWorld struct {
	SnapshotID string
}

// LoadOptions are the variable values given outside the configuration.
type LoadOptions struct {
	// Args are -var and -var-file in command-line order; later wins.
	Args []VarArg
	// Vars and VarFiles are for callers that do not keep the order of a
	// command line: they apply after Args, files first.
	Vars     []string            // -var values "name=value"
	VarFiles []string            // -var-file paths
	Getenv   func(string) string // MLFORM_VAR_<name>; nil means os.Getenv
	// Version is the running mlform's version, checked against
	// required_version ("" skips the check).
	Version string
	// Planned are the variable values a saved plan was made with
	// (apply PLANFILE): they rank just above the defaults, so an
	// environment variable, a variables file or a -var given again
	// still wins, and a different value then fails the plan's digest.
	Planned map[string]cty.Value
	// BackendOnly stops after the mlform block (required_version and the
	// backend, which are static): the commands that only read state need
	// no variables, as Terraform's state commands need none.
	BackendOnly bool
}
