package engine

import (
	"errors"
	"strings"
	"testing"

	"github.com/mlform/mlform/state"
)

// TestMovedStores: a storage block is moved when its url names another
// place than the one the state recorded while the state records objects
// there; a re-spelled url, the same directory written absolute, a rotated
// credential, a renamed block, a block without objects and a state
// without records are not moves.
func TestMovedStores(t *testing.T) {
	const base = "/ws"
	withObjects := func(stores map[string]*state.StoreRecord) *state.State {
		return &state.State{
			Datasets: map[string]*state.Dataset{"d": {Name: "d", Snapshots: []*state.Snapshot{{ID: "aaaaaaaa", Store: "default"}, {ID: "bbbbbbbb", Store: "default"}}}},
			Models:   map[string]*state.Model{"m": {Name: "m", Versions: []*state.Version{{Version: 1, ArtifactsID: "cccccccc", Store: "default"}}}},
			Stores:   stores,
		}
	}
	rec := func(url string) map[string]*state.StoreRecord {
		return map[string]*state.StoreRecord{"default": {URL: url}}
	}
	for _, tc := range []struct {
		name      string
		st        *state.State
		urls      map[string]string
		sensitive bool
		moved     string // the recorded -> configured place shown, "" for no move
	}{
		{"same", withObjects(rec("file://store")), map[string]string{"default": "file://store"}, false, ""},
		{"re-spelled", withObjects(rec("file://store")), map[string]string{"default": "file://./store/"}, false, ""},
		{"bare path", withObjects(rec("file://store")), map[string]string{"default": "store"}, false, ""},
		{"absolute", withObjects(rec("file://store")), map[string]string{"default": "file:///ws/store"}, false, ""},
		{"prefix as param", withObjects(rec("s3://b/team/?region=x")), map[string]string{"default": "s3://b?prefix=team/&region=x"}, false, ""},
		{"rotated token", withObjects(rec("gs://b/p/?token=REDACTED")), map[string]string{"default": "gs://b/p/?token=new"}, false, ""},
		{"token added", withObjects(rec("gs://b/p/")), map[string]string{"default": "gs://b/p?token=t"}, false, ""},
		{"other dir", withObjects(rec("file://store")), map[string]string{"default": "file://store-b"}, false, "file://store -> file://store-b"},
		{"other prefix", withObjects(rec("s3://b/team-a/?region=x")), map[string]string{"default": "s3://b/team-b/?region=x"}, false, "s3://b/team-a/?region=x -> s3://b/team-b/?region=x"},
		{"other endpoint", withObjects(rec("s3://b?endpoint=http%3A%2F%2Fa")), map[string]string{"default": "s3://b?endpoint=http://c"}, false, "s3://b?endpoint=http%3A%2F%2Fa -> s3://b?endpoint=http%3A%2F%2Fc"},
		{"other scheme", withObjects(rec("file://store")), map[string]string{"default": "gs://store"}, false, "file://store -> gs://store"},
		{"block renamed", withObjects(rec("file://store")), map[string]string{"main": "file://other"}, false, ""},
		{"no objects there", &state.State{Stores: rec("file://store")}, map[string]string{"default": "file://store-b"}, false, ""},
		{"no record (older state)", withObjects(nil), map[string]string{"default": "file://store-b"}, false, ""},
		{"sensitive, same", withObjects(nil), map[string]string{"default": "s3://secret-bucket/"}, true, ""},
		{"sensitive, moved", withObjects(nil), map[string]string{"default": "s3://secret-bucket/"}, true, "(sensitive) -> (sensitive)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ws := &Workspace{BaseDir: base, StoreURLs: tc.urls}
			if tc.sensitive {
				ws.StoreSecrets = map[string][]string{"default": {tc.urls["default"]}}
				r, err := ws.StoreRecord("default")
				if err != nil {
					t.Fatal(err)
				}
				if strings.Contains(r.URL, "secret-bucket") || !strings.HasPrefix(r.URL, state.SensitiveStorePrefix) {
					t.Fatalf("record of a sensitive url: %q", r.URL)
				}
				tc.st.Stores = map[string]*state.StoreRecord{"default": r}
				if tc.moved != "" {
					ws.StoreURLs = map[string]string{"default": "s3://other-bucket/"}
					ws.StoreSecrets = map[string][]string{"default": {"s3://other-bucket/"}}
				}
			}
			moves, err := ws.MovedStores(tc.st)
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if len(moves) > 0 {
				got = moves[0].Old + " -> " + moves[0].New
			}
			if len(moves) > 1 || got != tc.moved {
				t.Fatalf("moves %q (%d), want %q", got, len(moves), tc.moved)
			}
			err = ws.CheckStores(tc.st)
			var se *StoreMovedError
			if (tc.moved != "") != errors.As(err, &se) {
				t.Fatalf("CheckStores: %v", err)
			}
			if se != nil {
				msg := se.Error()
				for _, want := range []string{`storage "default"`, "(2 snapshots, 1 version)", "put the url back", "mlform init"} {
					if !strings.Contains(msg, want) {
						t.Errorf("message lacks %q:\n%s", want, msg)
					}
				}
				if strings.Contains(msg, "bucket") {
					t.Errorf("message shows a sensitive url:\n%s", msg)
				}
			}
		})
	}
}

// TestRecordStores: apply records every declared block's place, keeps the
// record of an undeclared block the state still has objects in, and
// forgets the record of one it has none in.
func TestRecordStores(t *testing.T) {
	ws := &Workspace{BaseDir: "/ws", StoreURLs: map[string]string{"default": "file://./store/", "b": "s3://bkt?prefix=p/&token=secret"}}
	st := &state.State{
		Datasets: map[string]*state.Dataset{"d": {Name: "d", Snapshots: []*state.Snapshot{{ID: "aaaaaaaa", Store: "old"}}}},
		Stores: map[string]*state.StoreRecord{
			"old":  {URL: "file://old"},
			"gone": {URL: "file://gone"},
		},
	}
	if err := ws.RecordStores(st); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for name, r := range st.Stores {
		got[name] = r.URL
	}
	want := map[string]string{"default": "file://store", "b": "s3://bkt/p/?token=REDACTED", "old": "file://old"}
	if len(got) != len(want) {
		t.Fatalf("records %v, want %v", got, want)
	}
	for name, url := range want {
		if got[name] != url {
			t.Errorf("stores.%s = %q, want %q", name, got[name], url)
		}
	}
	st.Normalize()
	if err := st.Validate(); err != nil && !strings.Contains(err.Error(), "lineage") {
		t.Errorf("recorded stores do not validate: %v", err)
	}
}
