package ops

import (
	"context"
	"fmt"
	"unicode/utf8"

	"github.com/mlform/mlform/internal/provenance"
	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/planner/plans"
	"github.com/mlform/mlform/planner/query"
	"github.com/mlform/mlform/state"
)

// Provenance is what a version's store objects say beyond state: its
// environment record and its model card (nil / "" when not recorded).
type Provenance struct {
	Environment *provenance.Environment `json:"environment_record,omitempty"`
	ModelCard   string                  `json:"model_card,omitempty"`
}

// VersionProvenance reads the environment record and model card stored
// with a version (both verified against their ids by the store; the record
// is decoded strictly, the card must be UTF-8 text).
func VersionProvenance(ctx context.Context, ws *engine.Workspace, st *state.State, addr string) (*Provenance, error) {
	m, v, err := query.ResolveVersion(st, "lineage", addr)
	if err != nil {
		return nil, err
	}
	p := &Provenance{}
	if v.EnvironmentID == "" && v.CardID == "" {
		return p, nil
	}
	store, err := ws.Store(ctx, v.Store)
	if err != nil {
		return nil, fmt.Errorf("model.%s v%d: %w", m.Name, v.Version, err)
	}
	if v.EnvironmentID != "" {
		b, err := store.GetObject(ctx, v.EnvironmentID)
		if err != nil {
			return nil, fmt.Errorf("model.%s v%d environment record %s: %w", m.Name, v.Version, plans.ShortID(v.EnvironmentID), err)
		}
		if p.Environment, err = provenance.Decode(b); err != nil {
			return nil, fmt.Errorf("model.%s v%d: %w", m.Name, v.Version, err)
		}
	}
	if v.CardID != "" {
		b, err := store.GetObject(ctx, v.CardID)
		if err != nil {
			return nil, fmt.Errorf("model.%s v%d model card %s: %w", m.Name, v.Version, plans.ShortID(v.CardID), err)
		}
		if !utf8.Valid(b) {
			return nil, fmt.Errorf("model.%s v%d model card %s is not UTF-8 text", m.Name, v.Version, plans.ShortID(v.CardID))
		}
		p.ModelCard = string(b)
	}
	return p, nil
}
