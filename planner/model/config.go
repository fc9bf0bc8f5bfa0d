package model

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"golang.org/x/sync/errgroup"

	"github.com/mlform/mlform/config"
	"github.com/mlform/mlform/config/syntax"
	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/planner/notify"
	"github.com/mlform/mlform/planner/policy"
	"github.com/mlform/mlform/state"
)

// loadSpecs maps the configuration's models, retrain policies and
// promotions onto the planner's specs. This file is the only place model
// planning reads config types.
func loadSpecs(ws *engine.Workspace) (*modelSpecs, error) {
	cfg := ws.Config
	specs := &modelSpecs{Models: map[string]*modelSpec{}, Policies: map[string]*policySpec{}, Promotions: map[string]*promotionSpec{}}
	if cfg == nil {
		return specs, nil
	}
	secrets := engine.Secrets(cfg)
	hidden := hiddenEnvs(cfg.Environments)
	for name, m := range cfg.Models {
		specs.Models[name] = newModelSpec(cfg, m, hidden)
		specs.Models[name].Secrets = secrets
	}
	for name, p := range cfg.RetrainPolicies {
		ps, err := newPolicySpec(p)
		if err != nil {
			return nil, fmt.Errorf("retrain_policy.%s: %w", name, err)
		}
		specs.Policies[name] = ps
	}
	for name, p := range cfg.Promotions {
		specs.Promotions[name] = newPromotionSpec(cfg, p, secrets)
	}
	specs.Notify = notify.FromConfig(cfg)
	return specs, nil
}

// hiddenEnvs is Hider.HiddenEnv of each environment, by name. HideValue
// is slow on purpose (one Hider remembers each name and value, so that
// environments given the same secret share one hash): the environments are done on as
// many goroutines as there are CPUs, for a fleet whose environments hold
// secrets of their own.
func hiddenEnvs(envs map[string]*config.Environment) map[string]map[string]string {
	hidden := make(map[string]map[string]string, len(envs))
	hider := policy.NewHider()
	var mu sync.Mutex
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for name, e := range envs {
		if len(e.Secrets) == 0 {
			continue
		}
		g.Go(func() error {
			h := hider.HiddenEnv(e.Env, e.Secrets)
			mu.Lock()
			hidden[name] = h
			mu.Unlock()
			return nil
		})
	}
	_ = g.Wait() // the goroutines return no error
	return hidden
}

func newModelSpec(cfg *config.Config, m *config.Model, hidden map[string]map[string]string) *modelSpec {
	s := &modelSpec{Name: m.Name, Description: m.Description, Datasets: m.Datasets, Code: m.Code, Storage: m.Storage, Card: m.Card,
		Train:       stepSpec{Command: m.Train.Command, Params: m.Train.Params, Timeout: m.Train.Timeout, Metrics: m.Train.Metrics},
		Environment: policy.Environment{Executor: config.DefaultExecutor}}
	if s.Storage == "" {
		s.Storage = engine.DefaultStorage
	}
	if m.Evaluate != nil {
		s.Evaluate = &stepSpec{Command: m.Evaluate.Command, Params: m.Evaluate.Params, Timeout: m.Evaluate.Timeout, Metrics: m.Evaluate.Metrics}
	}
	if e := cfg.Environments[m.Environment]; e != nil {
		s.Environment = policy.Environment{Name: e.Name, Executor: e.Executor, Image: e.Image, Files: e.Files, Env: e.Env, Hidden: hidden[e.Name]}
		s.Capture = e.Capture
		if s.Environment.Executor == "" {
			s.Environment.Executor = config.DefaultExecutor
		}
		if b := e.Settings[s.Environment.Executor]; b != nil {
			s.ExecutorSettings, s.SettingRanges = b.Values, b.ValueRanges
		}
	}
	return s
}

func newPolicySpec(p *config.RetrainPolicy) (*policySpec, error) {
	sched, err := policy.ParseSchedule(p.Schedule, p.Every)
	if err != nil {
		return nil, err
	}
	ps := &policySpec{Name: p.Name, Models: p.Models, Policy: policy.Policy{
		Name: p.Name, OnChange: p.OnChange, Schedule: sched, Cooldown: p.Cooldown}}
	for _, t := range p.Metrics {
		ps.Policy.Metrics = append(ps.Policy.Metrics, policy.MetricTrigger{Metric: t.Name, Below: t.Below, Above: t.Above})
	}
	if d := p.Drift; d != nil {
		ps.Policy.Drift = &policy.DriftTrigger{Method: d.Method, Threshold: d.Threshold}
		ps.DriftColumns = d.Columns
	}
	return ps, nil
}

func newPromotionSpec(cfg *config.Config, p *config.Promotion, secrets []string) *promotionSpec {
	s := &promotionSpec{Name: p.Name, Model: p.Model, Alias: p.Alias, Version: p.Version,
		From: p.From, Approval: p.Approval, EvaluateOn: p.EvaluateOn}
	for _, g := range p.Gates {
		s.Gates = append(s.Gates, policy.Gate{ErrorMessage: g.ErrorMessage,
			Eval: func(candidate, champion map[string]float64) (bool, error) {
				ok, diags := cfg.EvalGate(g, candidate, champion)
				if diags.HasErrors() {
					return false, gateError(diags)
				}
				return ok, nil
			}})
	}
	if mb := p.MustBeat; mb != nil {
		s.MustBeat = &policy.MustBeat{Metric: mb.Metric, Direction: mb.Direction, MinDelta: mb.MinDelta, ScoredOn: p.EvaluateOn}
	}
	if p.Publish != nil {
		s.PublishURL, s.PublishSensitive = p.Publish.URL, p.Publish.URLSensitive
		if p.Publish.URLSensitive {
			s.PublishSecrets = append([]string{p.Publish.URL}, secrets...)
		}
	}
	return s
}

// gateError words a gate's diagnostics as the CLI places config errors,
// file:line:col first (hcl.Diagnostics.Error writes "file:20,38-49").
func gateError(diags hcl.Diagnostics) error {
	var parts []string
	for _, d := range diags {
		if d.Severity != hcl.DiagError {
			continue
		}
		text := d.Summary
		if d.Detail != "" {
			text += ": " + strings.TrimSuffix(d.Detail, ".")
		}
		if d.Subject != nil {
			text = syntax.RangeString(*d.Subject) + ": " + text
		}
		parts = append(parts, text)
	}
	return errors.New(strings.Join(parts, "; "))
}

// carryRecorded gives each model whose environment hides sensitive values
// the environment fingerprints its versions recorded (policy.Environment
// Recorded), so that a fingerprint recorded before values were hidden
// still matches an unchanged environment.
func (s *modelSpecs) carryRecorded(st *state.State) {
	if st == nil {
		return
	}
	for name, spec := range s.Models {
		m := st.Models[name]
		if len(spec.Environment.Hidden) == 0 || m == nil {
			continue
		}
		spec.Environment.Recorded = nil
		for _, v := range m.Versions {
			if fp := v.Inputs.EnvFingerprint; fp != "" && !slices.Contains(spec.Environment.Recorded, fp) {
				spec.Environment.Recorded = append(spec.Environment.Recorded, fp)
			}
		}
	}
}
