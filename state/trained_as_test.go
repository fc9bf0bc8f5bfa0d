package state_test

import (
	"bytes"
	"maps"
	"testing"

	"github.com/mlform/mlform/internal/wanterr"
	"github.com/mlform/mlform/state"
	"github.com/mlform/mlform/state/statesample"
)

// withTrainedAs is the sample state with v1 of churn trained as
// model.old on dataset.events (today's dataset.churn).
func withTrainedAs(change func(*state.Version)) *state.State {
	s := statesample.Sample()
	v := s.Models["churn"].Versions[0]
	v.TrainedAs = &state.TrainedAs{Model: "old", Datasets: map[string]string{"churn": "events"}}
	if change != nil {
		change(v)
	}
	return s
}

// TestTrainedAsRoundTrip: a state with trained_as is written as format 5
// and decodes to the same names; without it the format stays what it was.
func TestTrainedAsRoundTrip(t *testing.T) {
	back := roundTrip(t, withTrainedAs(nil), 5)
	v := back.Models["churn"].Versions[0]
	if v.TrainedAs == nil || v.TrainedAs.Model != "old" || v.TrainedAs.Datasets["churn"] != "events" {
		t.Fatalf("trained_as after decode: %+v", v.TrainedAs)
	}
	if v.TrainedModel("churn") != "old" || v.TrainedDataset("churn") != "events" {
		t.Fatalf("names at training: %q %q", v.TrainedModel("churn"), v.TrainedDataset("churn"))
	}
	if got := v.TrainedSnapshots(); !maps.Equal(got, map[string]string{"events": v.Inputs.Snapshots["churn"]}) {
		t.Fatalf("TrainedSnapshots = %v", got)
	}
	plain := roundTrip(t, statesample.Sample(), 1)
	if bytes.Contains(encode(t, plain), []byte("trained_as")) {
		t.Fatal("a state without trained_as writes the member")
	}
}

// TestTrainedAsRenames: a rename records the name at training once, a
// second rename keeps it, and a rename back forgets it.
func TestTrainedAsRenames(t *testing.T) {
	v := &state.Version{Version: 1, Inputs: state.Inputs{Snapshots: map[string]string{"events": "aaaaaaaa", `sales["eu"]`: "bbbbbbbb"}}}
	v.RenameModel("churn", "attrition")
	v.RenameModel("attrition", "retention")
	rename := func(from, to string) {
		if !v.RenameDataset(from, to) {
			t.Fatalf("RenameDataset(%q, %q) renamed nothing", from, to)
		}
	}
	rename("events", "activity")
	rename(`sales["eu"]`, `regions["eu"]`)
	rename("activity", "clicks")
	if v.RenameDataset("absent", "other") || v.RenameDataset("clicks", `regions["eu"]`) {
		t.Fatal("RenameDataset renamed a dataset the inputs do not name, or onto one they do")
	}
	want := state.TrainedAs{Model: "churn", Datasets: map[string]string{"clicks": "events", `regions["eu"]`: `sales["eu"]`}}
	if got := v.TrainedAs; got == nil || got.Model != want.Model || !maps.Equal(got.Datasets, want.Datasets) {
		t.Fatalf("after renames: %+v, want %+v", got, want)
	}
	if err := validTrainedAs(v, "retention"); err != nil {
		t.Fatal(err)
	}
	v.RenameModel("retention", "churn")
	rename("clicks", "events")
	rename(`regions["eu"]`, `sales["eu"]`)
	if v.TrainedAs != nil {
		t.Fatalf("renamed back, trained_as still %+v", v.TrainedAs)
	}
}

// validTrainedAs validates a sample state holding v as model name's v1.
func validTrainedAs(v *state.Version, name string) error {
	s := statesample.Sample()
	m := s.Models["churn"]
	delete(s.Models, "churn")
	m.Name = name
	s.Models[name] = m
	m.Aliases = map[string]*state.Alias{}
	m.Versions = []*state.Version{m.Versions[0]}
	m.Evaluations = nil
	m.Versions[0].Inputs.Snapshots = map[string]string{}
	for ds := range v.Inputs.Snapshots {
		m.Versions[0].Inputs.Snapshots[ds] = m.Versions[0].ArtifactsID
	}
	m.Versions[0].TrainedAs = v.TrainedAs
	return s.Validate()
}

func TestTrainedAsRefused(t *testing.T) {
	long := string(bytes.Repeat([]byte("a"), 129))
	tests := []struct {
		name   string
		change func(*state.Version)
		want   string
	}{
		{"valid", func(v *state.Version) {}, ""},
		{"model only", func(v *state.Version) { v.TrainedAs.Datasets = nil }, ""},
		{"empty", func(v *state.Version) { v.TrainedAs = &state.TrainedAs{} }, "records no name"},
		{"model is today's", func(v *state.Version) { v.TrainedAs.Model = "churn" }, "other than today's"},
		{"bad model name", func(v *state.Version) { v.TrainedAs.Model = "a/b" }, `model "a/b" is not a model name`},
		{"model name too long", func(v *state.Version) { v.TrainedAs.Model = long }, "is not a model name"},
		{"dataset not an input", func(v *state.Version) { v.TrainedAs.Datasets["gone"] = "events" }, `dataset "gone" is not one of the version's inputs`},
		{"bad dataset name", func(v *state.Version) { v.TrainedAs.Datasets["churn"] = "../x" }, "is not a dataset name"},
		{"dataset is today's", func(v *state.Version) { v.TrainedAs.Datasets["churn"] = "churn" }, "other than today's"},
		{"control in name", func(v *state.Version) { v.TrainedAs.Datasets["churn"] = "a\x1b[2J" }, "is not a dataset name"},
		{"two datasets one name", func(v *state.Version) {
			v.Inputs.Snapshots["other"] = v.Inputs.Snapshots["churn"]
			v.TrainedAs.Datasets["churn"] = "other2"
			v.TrainedAs.Datasets["other"] = "other2"
		}, "two datasets have one name at training"},
		{"collides with an unrenamed one", func(v *state.Version) {
			v.Inputs.Snapshots["events"] = v.Inputs.Snapshots["churn"]
		}, "two datasets have one name at training"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := withTrainedAs(tt.change).Validate()
			wanterr.Check(t, err, tt.want)
			if err == nil {
				return
			}
			// Decode refuses the same document.
			s := withTrainedAs(tt.change)
			s.FormatVersion = 5
			doc := resign(t, s)
			if _, derr := state.Decode(doc); derr == nil {
				t.Fatalf("Decode accepted it")
			} else {
				wanterr.Check(t, derr, tt.want)
			}
		})
	}
}
