package report

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/mlform/mlform/config"
	"github.com/mlform/mlform/state"
)

// modelDrift is one dataset of a model's latest trained version: how far
// the dataset's current snapshot has drifted from the one that version
// trained on. It is the measurement a drift trigger makes at plan time
// (planner/model/drift.go), made again from the recorded profiles, so the
// overview shows where each model stands on its latest data without a
// plan.
type modelDrift struct {
	Dataset string
	// From is the snapshot the version trained on, To the dataset's
	// current one (ToAt: when it was taken, the time of the check's data).
	From, To string
	ToAt     time.Time
	MaxPSI   string
	Column   string // the column with MaxPSI
	// Trigger is the model's drift trigger, like "psi > 0.2" ("" without
	// one). Alert: max PSI over a PSI trigger's threshold, or over the
	// usual 0.2 otherwise.
	Trigger string
	Alert   bool
	// Note says why nothing was measured.
	Note string
}

// driftSinceTrain measures, for each dataset the model's last trained
// version read, drift between that snapshot and the dataset's current one.
func driftSinceTrain(st *state.State, mv *modelView, datasets map[string]*datasetView, cfg *config.Config) []*modelDrift {
	if mv.LastTrain == nil {
		return nil
	}
	m := st.Models[mv.Name]
	v := m.Version(mv.LastTrain.Version)
	if v == nil {
		return nil
	}
	trigger := driftTrigger(cfg, mv.Name)
	limit := driftAlert
	if trigger != nil && trigger.Method == "psi" {
		limit = trigger.Threshold
	}
	var out []*modelDrift
	for _, ds := range slices.Sorted(maps.Keys(v.Inputs.Snapshots)) {
		d := &modelDrift{Dataset: ds}
		if trigger != nil {
			d.Trigger = fmt.Sprintf("%s > %s", trigger.Method, strconv.FormatFloat(trigger.Threshold, 'g', -1, 64))
		}
		out = append(out, d)
		dv := datasets[ds]
		trained := v.Inputs.Snapshots[ds]
		d.From = short(trained, 12)
		if dv == nil || dv.Current == nil {
			d.Note = "no current snapshot recorded"
			continue
		}
		cur := dv.Current
		d.To, d.ToAt = cur.Short, cur.CreatedAt
		if cur.ID == trained {
			d.Note = fmt.Sprintf("no new data: v%d trained on the current snapshot", v.Version)
			continue
		}
		ref := dv.snapshot(trained)
		if ref == nil || ref.profile == nil || cur.profile == nil {
			d.Note = "not measured: a snapshot has no stored profile (declare stats columns on the dataset)"
			continue
		}
		dr := driftBetween(ref, cur)
		if dr.Error != "" && len(dr.Columns) == 0 {
			d.Note = "not measured: " + dr.Error
			continue
		}
		d.MaxPSI = dr.MaxPSI
		for _, c := range dr.Columns {
			if c.PSI == dr.MaxPSI {
				d.Column = c.Name
				break
			}
		}
		psi, _ := strconv.ParseFloat(dr.MaxPSI, 64)
		d.Alert = psi > limit
	}
	return out
}

// driftTrigger is the drift block of the policy governing model (nil
// without configuration or trigger).
func driftTrigger(cfg *config.Config, model string) *config.Drift {
	if cfg == nil {
		return nil
	}
	for _, name := range slices.Sorted(maps.Keys(cfg.RetrainPolicies)) {
		p := cfg.RetrainPolicies[name]
		if p == nil || p.Drift == nil || !slices.Contains(p.Models, model) {
			continue
		}
		return p.Drift
	}
	return nil
}

// snapshot finds a snapshot of the dataset by id, in its history or among
// the records kept for versions.
func (dv *datasetView) snapshot(id string) *snapView {
	for _, list := range [][]*snapView{dv.Snapshots, dv.Retained} {
		for _, s := range list {
			if s.ID == id {
				return s
			}
		}
	}
	return nil
}
