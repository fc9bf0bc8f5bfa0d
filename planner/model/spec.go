package model

import (
	"context"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/mlform/mlform/config"
	"github.com/mlform/mlform/internal/bloburl"
	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/planner/notify"
	"github.com/mlform/mlform/planner/plans"
	"github.com/mlform/mlform/planner/policy"
	"github.com/mlform/mlform/planner/provenance"
	"github.com/mlform/mlform/planner/publish"
	"github.com/mlform/mlform/planner/step"
	"github.com/mlform/mlform/providers/executor"
)

// modelSpec is a declared model as model planning and apply need it.
type modelSpec struct {
	Name        string
	Description string
	Datasets    []string
	Code        []string
	Environment policy.Environment
	// ExecutorSettings are the environment's settings block for its
	// executor (raw values; nil when there is none). Placement only: not
	// part of the fingerprint (see executor.Setting).
	ExecutorSettings map[string]any
	// SettingRanges locate each of ExecutorSettings' values in the
	// configuration, for an error about one (a cluster refusing it).
	SettingRanges map[string]hcl.Range
	Train         stepSpec
	// Evaluate is nil when the model declares no evaluate step.
	Evaluate *stepSpec
	// Storage names the store artifacts and logs go to.
	Storage string
	// Capture are the environment's capture commands and Card the model
	// card file, stored with each version (planner/provenance).
	Capture []string
	Card    string
	// Secrets are the texts of sensitive values (engine.Secrets), longest first:
	// they are redacted from the steps' output and stored logs.
	Secrets []string
}

// stepSpec is a train or evaluate step.
type stepSpec struct {
	Command []string
	Params  map[string]any
	Timeout time.Duration
	// Metrics are the names the step declares it writes (nil: not
	// declared); validate checked gates and triggers against them.
	Metrics []string
}

// policySpec is a retrain_policy and the models it governs.
type policySpec struct {
	Name   string
	Models []string
	Policy policy.Policy
	// DriftColumns limits drift to these stats columns (empty: all).
	DriftColumns []string
}

// promotionSpec is a promotion block.
type promotionSpec struct {
	Name  string
	Model string
	Alias string
	// Version pins the alias (0: not pinned).
	Version int
	// Gates evaluate the promotion's gate conditions (config.EvalGate).
	Gates    []policy.Gate
	MustBeat *policy.MustBeat
	// PublishURL is where promoted artifacts are copied ("" for none).
	PublishURL string
	// PublishSensitive: PublishURL derives from a sensitive variable, so it
	// is never shown (publishDisplay); PublishSecrets are the texts errors
	// must never show.
	PublishSensitive bool
	PublishSecrets   []string
	// From takes the candidate from another alias of the model ("":
	// the latest succeeded version).
	From string
	// Approval holds a passing candidate until `mlform approve` records
	// an approval of that version.
	Approval bool
	// EvaluateOn names the datasets both versions are evaluated on (their
	// current snapshots); empty: the candidate's training snapshots.
	EvaluateOn []string
}

// modelSpecs is everything model planning reads from the configuration.
type modelSpecs struct {
	Models     map[string]*modelSpec
	Policies   map[string]*policySpec
	Promotions map[string]*promotionSpec
	// Notify are the notify blocks, by name (notify.go).
	Notify []*notify.Spec
	// index is built on first use, after the maps above are final.
	index specIndex
}

// policyFor returns the retrain policy governing model (nil: none). The
// first policy by name wins; config validation refuses two.
func (s *modelSpecs) policyFor(model string) *policySpec {
	s.index.build(s)
	return s.index.policy[model]
}

// promotionsFor lists the promotions of model, by name.
func (s *modelSpecs) promotionsFor(model string) []*promotionSpec {
	s.index.build(s)
	return s.index.promotions[model]
}

// Runners returns the runners of model actions (train, promote,
// publish); each reads the model specs from its run's workspace
// configuration.
func Runners() map[string]engine.ActionRunner { return runners(nil) }

// runners is Runners with the specs given (tests pass their own); nil
// reads them from each run's workspace configuration.
func runners(specs *modelSpecs) map[string]engine.ActionRunner {
	cache := &specCache{}
	wrap := func(f func(context.Context, *engine.RunContext, *plans.Action, *modelSpecs) error) engine.ActionRunner {
		return engine.RunnerFunc(func(ctx context.Context, rc *engine.RunContext, a *plans.Action) error {
			s := specs
			if s == nil {
				var err error
				if s, err = cache.get(rc.Workspace, func() (*modelSpecs, error) {
					s, err := loadSpecs(rc.Workspace)
					if err == nil {
						rc.ReadState(s.carryRecorded)
					}
					return s, err
				}); err != nil {
					return err
				}
			}
			return f(ctx, rc, a, s)
		})
	}
	return map[string]engine.ActionRunner{plans.KindTrain: wrap(runTrain), plans.KindPromote: wrap(runPromote), plans.KindPublish: wrap(runPublish)}
}

// publishDisplay is how plans, state and messages name the publish target:
// the placeholder when its URL derives from a secret (host or path could
// be the secret), else the URL with credentials redacted.
func (p *promotionSpec) publishDisplay() string {
	if p.PublishSensitive {
		return config.SensitivePlaceholder
	}
	return bloburl.Redact(p.PublishURL)
}

// destination is where the promotion publishes (its URL non-empty).
func (p *promotionSpec) destination() publish.Destination {
	return publish.Destination{Promotion: p.Name, Model: p.Model, Alias: p.Alias, URL: p.PublishURL, Display: p.publishDisplay(), Secrets: p.PublishSecrets}
}

// localStep is spec's train or evaluate step (name) as a local run of
// version; the caller adds the inputs and where the output goes.
func localStep(ws *engine.Workspace, spec *modelSpec, name string, version int) *step.Local {
	s := spec.Train
	if name == executor.StepEvaluate {
		s = *spec.Evaluate
	}
	e := spec.Environment
	return &step.Local{WS: ws, Model: spec.Name, Step: name, Version: version, Command: s.Command, Params: s.Params, Timeout: s.Timeout,
		Executor: e.Executor, Settings: spec.ExecutorSettings, Image: e.Image, Env: e.Env, Secrets: spec.Secrets}
}

// provenance is what a version's environment record and model card are
// taken from.
func (s *modelSpec) provenance() provenance.Source {
	return provenance.Source{Model: s.Name, Environment: s.Environment, Capture: s.Capture, Card: s.Card, Secrets: s.Secrets}
}
