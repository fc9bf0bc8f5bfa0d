package model

import (
	"maps"
	"slices"
	"sync"

	"github.com/mlform/mlform/planner/engine"
)

// specIndex answers "which policy governs this model" and "which
// promotions does it have" in constant time: planning asks for every model
// and a fleet has thousands, so scanning every policy and promotion per
// model made planning quadratic.
type specIndex struct {
	mu         sync.Mutex
	built      bool
	sizes      [2]int // len(Policies), len(Promotions) when built
	policy     map[string]*policySpec
	promotions map[string][]*promotionSpec
}

// build fills the index from s on first use, and again when a policy or
// promotion was added since (specs are built once per run; tests add to
// them between runs): the first policy by name wins (config validation
// refuses two), promotions are listed by name.
func (x *specIndex) build(s *modelSpecs) {
	x.mu.Lock()
	defer x.mu.Unlock()
	sizes := [2]int{len(s.Policies), len(s.Promotions)}
	if x.built && x.sizes == sizes {
		return
	}
	x.built, x.sizes = true, sizes
	x.policy = make(map[string]*policySpec, len(s.Policies))
	for _, name := range slices.Sorted(maps.Keys(s.Policies)) {
		p := s.Policies[name]
		for _, m := range p.Models {
			if _, ok := x.policy[m]; !ok {
				x.policy[m] = p
			}
		}
	}
	x.promotions = make(map[string][]*promotionSpec, len(s.Promotions))
	for _, name := range slices.Sorted(maps.Keys(s.Promotions)) {
		p := s.Promotions[name]
		x.promotions[p.Model] = append(x.promotions[p.Model], p)
	}
}

// specCache keeps the specs runners built for a run's workspace: each
// action of an apply would otherwise map the whole configuration again,
// which made applying N models quadratic.
type specCache struct {
	mu    sync.Mutex
	ws    *engine.Workspace
	specs *modelSpecs
}

// get returns the specs of ws, built by load on first use.
func (c *specCache) get(ws *engine.Workspace, load func() (*modelSpecs, error)) (*modelSpecs, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.specs != nil && c.ws == ws {
		return c.specs, nil
	}
	s, err := load()
	if err != nil {
		return nil, err
	}
	c.ws, c.specs = ws, s
	return s, nil
}
