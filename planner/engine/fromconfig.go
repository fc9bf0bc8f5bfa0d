package engine

import (
	"maps"
	"slices"

	"github.com/mlform/mlform/config"
	"github.com/mlform/mlform/config/syntax"
)

// DefaultStorage is the storage block datasets use when they name none.
const DefaultStorage = "default"

// fromConfig fills the workspace's dataset specs, store URLs and graph
// from the evaluated configuration. This file is the only place that maps
// config types onto the planner's.
func (ws *Workspace) fromConfig(cfg *config.Config) error {
	ws.StoreURLs = map[string]string{}
	for name, s := range cfg.Storage {
		ws.StoreURLs[name] = s.URL
		if s.URLSensitive {
			if ws.StoreSecrets == nil {
				ws.StoreSecrets = map[string][]string{}
			}
			ws.StoreSecrets[name] = append([]string{s.URL}, SensitiveTexts(cfg.Variables)...)
		}
	}
	ws.Datasets = map[string]DatasetSpec{}
	for name, d := range cfg.Datasets {
		spec := DatasetSpec{Name: name, Source: d.Source, Include: d.Include, Exclude: d.Exclude, Storage: d.Storage,
			SourceSensitive: d.SourceSensitive, Display: d.SourceDisplay(), SourceAt: syntax.RangeString(d.SourceRange)}
		if d.SourceSensitive {
			spec.Secrets = SensitiveTexts(cfg.Variables)
		}
		if spec.Storage == "" {
			spec.Storage = DefaultStorage
		}
		if d.Stats != nil {
			spec.StatsColumns = d.Stats.Columns
		}
		ws.Datasets[name] = spec
	}
	g, err := NewGraph(graphNodes(cfg))
	if err != nil {
		return err
	}
	ws.Graph = g
	return nil
}

// graphNodes lists every declared object with what it reads: datasets feed
// models, models feed retrain policies and promotions. Environments and
// storage are attributes, not nodes: they never produce actions.
func graphNodes(cfg *config.Config) []*Node {
	var nodes []*Node
	for _, name := range slices.Sorted(maps.Keys(cfg.Datasets)) {
		d := cfg.Datasets[name]
		st := d.Storage
		if st == "" {
			st = DefaultStorage
		}
		nodes = append(nodes, &Node{Addr: "dataset." + name, Attrs: map[string]string{"source": d.SourceDisplay(), "storage": st}})
	}
	for _, name := range slices.Sorted(maps.Keys(cfg.Models)) {
		m := cfg.Models[name]
		n := &Node{Addr: "model." + name, Attrs: map[string]string{}}
		for _, ds := range m.Datasets {
			n.DependsOn = append(n.DependsOn, "dataset."+ds)
		}
		if m.Environment != "" {
			n.Attrs["environment"] = m.Environment
		}
		nodes = append(nodes, n)
	}
	for _, name := range slices.Sorted(maps.Keys(cfg.RetrainPolicies)) {
		p := cfg.RetrainPolicies[name]
		n := &Node{Addr: "retrain_policy." + name}
		for _, m := range p.Models {
			n.DependsOn = append(n.DependsOn, "model."+m)
		}
		nodes = append(nodes, n)
	}
	promotions := slices.Sorted(maps.Keys(cfg.Promotions))
	// moving: the promotions (sorted) that move each model's alias, for the
	// from = "alias" edges; one pass, so a fleet's promotions stay linear.
	type modelAlias struct{ model, alias string }
	moving := map[modelAlias][]string{}
	for _, name := range promotions {
		p := cfg.Promotions[name]
		k := modelAlias{p.Model, p.Alias}
		moving[k] = append(moving[k], name)
	}
	for _, name := range promotions {
		p := cfg.Promotions[name]
		n := &Node{Addr: "promotion." + name, DependsOn: []string{"model." + p.Model}, Attrs: map[string]string{"alias": p.Alias}}
		for _, ds := range p.EvaluateOn { // evaluated on their current snapshots
			n.DependsOn = append(n.DependsOn, "dataset."+ds)
		}
		if p.From != "" { // from: the promotion moving the source alias
			for _, o := range moving[modelAlias{p.Model, p.From}] {
				if o != name {
					n.DependsOn = append(n.DependsOn, "promotion."+o)
				}
			}
		}
		nodes = append(nodes, n)
	}
	return nodes
}
