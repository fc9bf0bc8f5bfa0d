package state

import (
	"fmt"
	"maps"
	"slices"

	"github.com/mlform/mlform/internal/termtext"
)

// TrainedAs is what a version's step was told when those names differ
// from the ones state records today: a moved block renamed the model or a
// dataset after the version was trained. The step saw the names in
// MLFORM_MODEL, the directories under MLFORM_DATA_DIR and the
// MLFORM_DATASET_<NAME>_DIR variables, so reproducing the version needs
// them. A rename records the name at training once; later renames keep
// it, and a rename back to it forgets it.
type TrainedAs struct {
	// Model is the model's name at training ("" when it is today's).
	Model string `json:"model,omitempty"`
	// Datasets maps a dataset's name today (a key of the version's
	// inputs snapshots) to its name at training; only renamed ones.
	Datasets map[string]string `json:"datasets,omitempty"`
}

// TrainedModel is the model name version v of model m was trained as.
func (v *Version) TrainedModel(model string) string {
	if v.TrainedAs != nil && v.TrainedAs.Model != "" {
		return v.TrainedAs.Model
	}
	return model
}

// TrainedDataset is the name dataset ds (as v's inputs name it today)
// had when v was trained.
func (v *Version) TrainedDataset(ds string) string {
	if v.TrainedAs != nil {
		if old, ok := v.TrainedAs.Datasets[ds]; ok {
			return old
		}
	}
	return ds
}

// TrainedSnapshots is v's inputs snapshots keyed by the dataset names
// its step saw (the inputs as they were at training).
func (v *Version) TrainedSnapshots() map[string]string {
	out := make(map[string]string, len(v.Inputs.Snapshots))
	for ds, id := range v.Inputs.Snapshots {
		out[v.TrainedDataset(ds)] = id
	}
	return out
}

// RenameModel records, before model from becomes to, that v was trained
// as from (unless it records an older name already).
func (v *Version) RenameModel(from, to string) {
	old := v.TrainedModel(from)
	if v.TrainedAs == nil {
		v.TrainedAs = &TrainedAs{}
	}
	v.TrainedAs.Model = old
	if old == to {
		v.TrainedAs.Model = ""
	}
	v.dropEmptyTrainedAs()
}

// RenameDataset makes v's inputs name dataset from as to, recording the
// name v's step saw (unless it records an older one already). It reports
// whether v's inputs named from (and not to already); the caller
// recomputes the inputs digest, which covers the names.
func (v *Version) RenameDataset(from, to string) bool {
	id, ok := v.Inputs.Snapshots[from]
	if _, clash := v.Inputs.Snapshots[to]; !ok || clash {
		return false
	}
	old := v.TrainedDataset(from)
	delete(v.Inputs.Snapshots, from)
	v.Inputs.Snapshots[to] = id
	if v.TrainedAs == nil {
		v.TrainedAs = &TrainedAs{}
	}
	delete(v.TrainedAs.Datasets, from)
	if old != to {
		if v.TrainedAs.Datasets == nil {
			v.TrainedAs.Datasets = map[string]string{}
		}
		v.TrainedAs.Datasets[to] = old
	}
	v.dropEmptyTrainedAs()
	return true
}

func (v *Version) dropEmptyTrainedAs() {
	if v.TrainedAs != nil && len(v.TrainedAs.Datasets) == 0 {
		v.TrainedAs.Datasets = nil
	}
	if v.TrainedAs != nil && v.TrainedAs.Model == "" && v.TrainedAs.Datasets == nil {
		v.TrainedAs = nil
	}
}

// validateTrainedAs checks a version's trained_as of model model: valid
// names that differ from today's, dataset keys the inputs name, and
// training names that were distinct (each was one directory).
func validateTrainedAs(where, model string, v *Version) error {
	t := v.TrainedAs
	if t == nil {
		return nil
	}
	where += ": trained_as"
	if t.Model == "" && len(t.Datasets) == 0 {
		return fmt.Errorf("%s records no name", where)
	}
	if t.Model != "" && (!IsName(t.Model) || t.Model == model) {
		return fmt.Errorf("%s: model %q is not a model name other than today's", where, termtext.Truncate(t.Model, 80))
	}
	for _, ds := range slices.Sorted(maps.Keys(t.Datasets)) {
		old := t.Datasets[ds]
		if _, ok := v.Inputs.Snapshots[ds]; !ok {
			return fmt.Errorf("%s: dataset %q is not one of the version's inputs", where, termtext.Truncate(ds, 80))
		}
		if !IsName(old) || old == ds {
			return fmt.Errorf("%s: dataset %s: %q is not a dataset name other than today's", where, ds, termtext.Truncate(old, 80))
		}
	}
	if len(v.TrainedSnapshots()) != len(v.Inputs.Snapshots) {
		return fmt.Errorf("%s: two datasets have one name at training", where)
	}
	return nil
}

// usesFormat5 reports whether s holds what format 5 added: a version's
// trained_as. An mlform that reads format 4 would refuse the member as
// unknown; format 5 tells it to upgrade instead.
func (s *State) usesFormat5() bool {
	for _, m := range s.Models {
		if m == nil {
			continue
		}
		for _, v := range m.Versions {
			if v != nil && v.TrainedAs != nil {
				return true
			}
		}
		for _, r := range m.Running {
			if r != nil && r.Draft != nil && r.Draft.TrainedAs != nil {
				return true
			}
		}
	}
	return false
}
