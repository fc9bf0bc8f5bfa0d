package state_test

import (
	"strings"
	"testing"

	"github.com/mlform/mlform/state"
	"github.com/mlform/mlform/state/statetest"
)

func TestParseAddress(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want state.Address
		err  string
	}{
		{"dataset.churn", state.Address{Kind: state.AddrDataset, Name: "churn"}, ""},
		{"model.churn", state.Address{Kind: state.AddrModel, Name: "churn"}, ""},
		{"model.churn@7", state.Address{Kind: state.AddrVersion, Name: "churn", Version: 7}, ""},
		{"model.churn@production", state.Address{Kind: state.AddrAlias, Name: "churn", Alias: "production"}, ""},
		{"model.my-model_2@canary-1", state.Address{Kind: state.AddrAlias, Name: "my-model_2", Alias: "canary-1"}, ""},
		{"churn", state.Address{}, "want dataset.NAME"},
		{"dataset.", state.Address{}, "not a dataset name"},
		{"dataset.a/b", state.Address{}, "not a dataset name"},
		{"model.churn@0", state.Address{}, "not a version number"},
		{"model.churn@7x", state.Address{}, "not a version number"},
		{"model.churn@99999999999999999999", state.Address{}, "not a version number"},
		{"model.churn@", state.Address{}, "neither a version number nor an alias"},
		{"model.churn@a b", state.Address{}, "neither"},
		{"model.@1", state.Address{}, "not a model name"},
		{"policy.p", state.Address{}, `unknown kind "policy"`},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := state.ParseAddress(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("ParseAddress(%q) = %v, %v; want error containing %q", tc.in, got, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParseAddress(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
			}
			if got.String() != tc.in {
				t.Errorf("String() = %q, want %q", got.String(), tc.in)
			}
		})
	}
}

func TestAddresses(t *testing.T) {
	s := statetest.Sample()
	s.Models["churn"].Versions[0], s.Models["churn"].Versions[1] = s.Models["churn"].Versions[1], s.Models["churn"].Versions[0]
	var got []string
	for _, a := range s.Addresses() {
		got = append(got, a.String())
	}
	want := "dataset.churn model.churn model.churn@1 model.churn@2 model.churn@3 model.churn@production"
	if strings.Join(got, " ") != want {
		t.Errorf("Addresses = %v, want %s", got, want)
	}
}

func TestAddressesUnder(t *testing.T) {
	s := statetest.Sample()
	s.Datasets["events"] = &state.Dataset{Name: "events"}
	for _, tc := range []struct {
		filters []string
		want    string
	}{
		{nil, "dataset.churn dataset.events model.churn model.churn@1 model.churn@2 model.churn@3 model.churn@production"},
		{[]string{"model.churn"}, "model.churn model.churn@1 model.churn@2 model.churn@3 model.churn@production"},
		{[]string{"model.churn@2", "dataset.events"}, "dataset.events model.churn@2"},
		{[]string{"model.churn@production"}, "model.churn@production"},
		{[]string{"model.other"}, ""},
	} {
		var filters []state.Address
		for _, f := range tc.filters {
			a, err := state.ParseAddress(f)
			if err != nil {
				t.Fatal(err)
			}
			filters = append(filters, a)
		}
		var got []string
		for _, a := range s.AddressesUnder(filters) {
			got = append(got, a.String())
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("AddressesUnder(%v) = %v, want %s", tc.filters, got, tc.want)
		}
	}
}

func TestRemove(t *testing.T) {
	for _, tc := range []struct {
		addr  string
		err   string
		check func(t *testing.T, s *state.State)
	}{
		{"dataset.churn", "", func(t *testing.T, s *state.State) {
			if s.Datasets["churn"] != nil {
				t.Error("dataset still there")
			}
		}},
		{"model.churn@3", "", func(t *testing.T, s *state.State) {
			m := s.Models["churn"]
			if m.Version(3) != nil || len(m.Versions) != 2 || m.NextVersion != 4 {
				t.Errorf("versions %d, next %d", len(m.Versions), m.NextVersion)
			}
		}},
		{"model.churn@2", "alias production points", nil},
		{"model.churn@production", "", func(t *testing.T, s *state.State) {
			if len(s.Models["churn"].Aliases) != 0 || s.Models["churn"].Version(2) == nil {
				t.Error("alias not removed, or its version removed with it")
			}
		}},
		{"model.churn", "", func(t *testing.T, s *state.State) {
			if s.Models["churn"] != nil {
				t.Fatal("model still there")
			}
			// Declared again, it continues its numbering.
			if n := s.NextVersion("churn"); n != 4 {
				t.Errorf("NextVersion of a removed model = %d, want 4", n)
			}
			if n := s.NextVersion("never"); n != 1 {
				t.Errorf("NextVersion of an unknown model = %d, want 1", n)
			}
			if m := s.EnsureModel("churn"); m.NextVersion != 4 {
				t.Errorf("re-created model starts at %d, want 4", m.NextVersion)
			}
		}},
		{"model.churn@9", "not in the state", nil},
		{"dataset.none", "not in the state", nil},
		{"model.none@production", "not in the state", nil},
	} {
		t.Run(tc.addr, func(t *testing.T) {
			s := statetest.Sample()
			a, err := state.ParseAddress(tc.addr)
			if err != nil {
				t.Fatal(err)
			}
			err = s.Remove(a)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("Remove: %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Remove: %v", err)
			}
			tc.check(t, s)
			if _, err := state.Encode(s); err != nil {
				t.Errorf("state after Remove is invalid: %v", err)
			}
		})
	}
}

func TestRemoveVersionDropsItsEvaluations(t *testing.T) {
	s := statetest.Sample()
	m := s.Models["churn"]
	m.Aliases["production"].Version = 1
	if err := s.Remove(state.Address{Kind: state.AddrVersion, Name: "churn", Version: 2}); err != nil {
		t.Fatal(err)
	}
	if len(m.Evaluations) != 0 {
		t.Errorf("evaluations of the removed version remain: %+v", m.Evaluations)
	}
}

func TestWriteHuman(t *testing.T) {
	s := statetest.Sample()
	s.Models["churn"].Versions[0].Error = "boom\x1b[31m\nsecond line"
	for _, tc := range []struct {
		addr string
		want []string
	}{
		{"dataset.churn", []string{"# dataset.churn", "snapshots: 2", "4 files", "1000 B", "2.0 KiB", "current: " + s.Datasets["churn"].Snapshots[1].ID}},
		{"model.churn", []string{"next_version: 4", "versions: 3", "v3  failed", "production  -> v2"}},
		{"model.churn@1", []string{"status:", "succeeded", `{"epochs":30,"learning_rate":0.05}`, `["./train","--fast"]`, "accuracy:", "boom [31m second line"}},
		{"model.churn@production", []string{"version: v2", "history: 2", "v1 -> v2", "by bob", "beats v1 on accuracy", "(new) -> v1"}},
	} {
		t.Run(tc.addr, func(t *testing.T) {
			a, _ := state.ParseAddress(tc.addr)
			obj, err := s.Lookup(a)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			if err := state.WriteHuman(&b, a, obj); err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, b.String())
				}
			}
			if strings.ContainsRune(b.String(), '\x1b') {
				t.Error("a control character from the state reached the output")
			}
		})
	}
}
