package planner

// modelSpecs maps the configuration's models, retrain policies and
// promotions onto the planner's specs. Placeholder until config lands:
// the model stage is not in stages() yet.
func (ws *Workspace) modelSpecs() (*ModelSpecs, error) {
	return &ModelSpecs{Models: map[string]*ModelSpec{}, Policies: map[string]*PolicySpec{}, Promotions: map[string]*PromotionSpec{}}, nil
}
