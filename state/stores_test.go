package state_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/mlform/mlform/state"
	"github.com/mlform/mlform/state/statesample"
)

// TestStoreRecords: a state recording its stores is format 7 and round
// trips; one without is decoded as before (its format unchanged); a record
// that is not a store identity (credentials, another spelling, junk) or
// not a valid sensitive digest is refused.
func TestStoreRecords(t *testing.T) {
	old := statesample.Sample()
	oldFormat := old.MinFormat()
	if oldFormat == 7 {
		t.Fatal("the sample already records stores")
	}
	s, err := state.Decode(encode(t, old))
	if err != nil || s.Stores != nil || s.FormatVersion != oldFormat {
		t.Fatalf("a state without store records: %v, stores %v, format %d", err, s.Stores, s.FormatVersion)
	}
	s.Stores = map[string]*state.StoreRecord{
		"default":        {URL: "file://.mlform/store"},
		"cloud":          {URL: "s3://b/team/?region=eu&token=REDACTED"},
		`regional["eu"]`: {URL: state.SensitiveStorePrefix + strings.Repeat("ab", 32)},
	}
	doc := encode(t, s)
	back, err := state.Decode(doc)
	if err != nil {
		t.Fatal(err)
	}
	if back.FormatVersion != 7 || len(back.Stores) != 3 || back.Stores["cloud"].URL != s.Stores["cloud"].URL {
		t.Fatalf("round trip: format %d, stores %+v", back.FormatVersion, back.Stores)
	}
	for _, tc := range []struct {
		name string
		rec  *state.StoreRecord
		key  string
		want string
	}{
		{"null", nil, "default", "stores.default is null"},
		{"bad name", &state.StoreRecord{URL: "file://s"}, "a/b", `stores: "a/b" is not a valid storage name`},
		{"credential", &state.StoreRecord{URL: "s3://b/?token=hunter2"}, "default", "is not a store identity"},
		{"user info", &state.StoreRecord{URL: "s3://u:pw@b/"}, "default", "is not a store identity"},
		{"another spelling", &state.StoreRecord{URL: "file://./s/"}, "default", "is not a store identity"},
		{"empty", &state.StoreRecord{URL: ""}, "default", "is not a store identity"},
		{"unsupported", &state.StoreRecord{URL: "ftp://x"}, "default", "is not a store identity"},
		{"short digest", &state.StoreRecord{URL: state.SensitiveStorePrefix + "abc"}, "default", "64-digit hex digest"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := mutate(t, func(s *state.State) { s.Stores = map[string]*state.StoreRecord{tc.key: tc.rec} })
			_, err := state.Decode(doc)
			var de *state.DecodeError
			if !errors.As(err, &de) || de.Problem != state.ProblemInvalid || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Decode: %v, want invalid: %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), ":pw@") {
				t.Errorf("the error shows a credential: %v", err)
			}
		})
	}
}

// TestStoreUses counts snapshot records (histories and retained) and the
// versions with objects in each store; a failed attempt without objects
// holds nothing.
func TestStoreUses(t *testing.T) {
	s := &state.State{
		Datasets:          map[string]*state.Dataset{"d": {Snapshots: []*state.Snapshot{{ID: "aaaaaaaa", Store: "a"}, {ID: "bbbbbbbb", Store: "b"}}}},
		RetainedSnapshots: map[string]*state.Dataset{"old": {Snapshots: []*state.Snapshot{{ID: "cccccccc", Store: "a"}}}},
		Models: map[string]*state.Model{"m": {Versions: []*state.Version{
			{Version: 1, ArtifactsID: "dddddddd", Store: "a"},
			{Version: 2, Status: state.StatusFailed, Store: "a"},
			{Version: 3, LogsID: "eeeeeeee", Store: "b"},
		}}},
	}
	got := s.StoreUses()
	want := map[string]state.StoreUse{"a": {Snapshots: 2, Versions: 1}, "b": {Snapshots: 1, Versions: 1}}
	if len(got) != len(want) || got["a"] != want["a"] || got["b"] != want["b"] {
		t.Fatalf("StoreUses = %+v, want %+v", got, want)
	}
}
