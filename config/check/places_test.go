package check

import (
	"strings"
	"testing"

	"github.com/mlform/mlform/internal/bloburl"
)

func TestPlaces(t *testing.T) {
	const ep = "?endpoint=http%3A%2F%2F127.0.0.1%3A9"
	backend := Place{Kind: PlaceBackend, URL: "file://.mlform/state"}
	store := func(name, u string) Place { return Place{Kind: PlaceStore, Name: name, At: "m.hcl:1:1", URL: u} }
	src := func(u string) Place { return Place{Kind: PlaceSource, Name: "d", At: "m.hcl:9:9", URL: u} }
	pub := func(u string) Place { return Place{Kind: PlacePublish, Name: "p", At: "m.hcl:5:5", URL: u} }
	for _, c := range []struct {
		name   string
		places []Place
		want   map[int]string // index -> part of the message; others pass
	}{
		{"same store twice", []Place{backend, store("a", "file://store"), store("b", "file://./store/")}, nil},
		{"siblings", []Place{backend, store("a", "file://store"), store("b", "file://store-2")}, nil},
		{"store in store's objects", []Place{backend, store("a", "file://store"), store("b", "file://store/objects")}, map[int]string{2: "Storage place inside"}},
		{"store in store's packs", []Place{backend, store("a", "file://store/data"), store("b", "file:///ws/store")}, map[int]string{1: `storage "a" lies inside the place of the store of storage "b" (m.hcl:1:1)`}},
		{"store in store, another name", []Place{backend, store("a", "file://store/sub"), store("b", "file:///ws/store")}, nil},
		{"store at store's config", []Place{backend, store("a", "file://store"), store("b", "file://store/config")}, map[int]string{2: "Storage place inside"}},
		{"bucket store in store's locks", []Place{backend, store("a", "s3://b/a"+ep), store("b", "s3://b"+ep+"&prefix=a/locks/x/")}, map[int]string{2: "Storage place inside"}},
		{"bucket store in store, another name", []Place{backend, store("a", "s3://b/a"+ep), store("b", "s3://b"+ep+"&prefix=a/sub/")}, nil},
		{"bucket stores on two servers", []Place{backend, store("a", "s3://b/a"+ep), store("b", "s3://b/a/data/?endpoint=x")}, nil},
		{"store in backend", []Place{{Kind: PlaceBackend, At: "m.hcl:2:2", URL: "file://st"}, store("a", "file://st/data")}, nil},
		{"backend in store's index", []Place{{Kind: PlaceBackend, At: "m.hcl:2:2", URL: "file://st/index/state"}, store("a", "file://st")}, map[int]string{0: "the state backend lies inside"}},
		{"backend in store, another name", []Place{{Kind: PlaceBackend, At: "m.hcl:2:2", URL: "file://st/state"}, store("a", "file://st")}, nil},
		{"implicit backend in store: at the store", []Place{{Kind: PlaceBackend, URL: "file://st/roots/s"}, store("a", "file://st")}, map[int]string{1: `storage "a" holds the place of the state backend`}},
		{"store holding the default places", []Place{backend, store("default", "file://.mlform/store"), store("a", "file://.mlform")}, nil},
		{"backend is a store", []Place{{Kind: PlaceBackend, URL: "file://st"}, store("a", "file://st")}, nil},
		{"source is the store", []Place{backend, store("default", "file://data"), src("data")}, map[int]string{2: "Dataset source overlaps"}},
		{"source in the store's packs", []Place{backend, store("default", "file://data/store"), src("file://data/store/data/x")}, map[int]string{2: "or its own objects inside it"}},
		{"source in the store, another name", []Place{backend, store("default", "file://data/store"), src("file://data/store/x")}, nil},
		{"source is the backend", []Place{backend, store("default", "file://.mlform/store"), src(".mlform/state")}, map[int]string{2: "state backend"}},
		{"source in the backend", []Place{backend, store("default", "file://.mlform/store"), src(".mlform/state/sub")}, nil},
		{"source holds the store (left out)", []Place{backend, store("default", "file://data/store"), src("data")}, nil},
		{"source is the workspace", []Place{backend, store("default", "file://.mlform/store"), src(".")}, nil},
		{"source reads a publish target", []Place{backend, store("default", "file://store"), pub("file://published"), src("published")}, nil},
		{"bucket source holds the store", []Place{backend, store("default", "s3://b/ml/store/"+ep), src("s3://b/ml/" + ep)}, map[int]string{2: "a key prefix holding"}},
		{"bucket source is the store", []Place{backend, store("default", "mem://b/"), src("mem://b")}, map[int]string{2: "Dataset source overlaps"}},
		{"bucket source in the store's packs", []Place{backend, store("default", "mem://b/"), src("mem://b/data/")}, map[int]string{2: "Dataset source overlaps"}},
		{"bucket source in the store, another name", []Place{backend, store("default", "mem://b/"), src("mem://b/raw/")}, nil},
		{"bucket source beside the store", []Place{backend, store("default", "s3://b/store/"+ep), src("s3://b/data/" + ep)}, nil},
		{"bucket source over the bucket backend", []Place{{Kind: PlaceBackend, URL: "mem://s/st/"}, store("default", "mem://b/"), src("mem://s/")}, map[int]string{2: "state backend"}},
		{"publish to the store", []Place{backend, store("default", "file://store"), pub("file://store/x")}, map[int]string{2: "Publish URL overlaps"}},
		{"publish to the workspace", []Place{backend, store("default", "mem://b/"), pub("file://.")}, map[int]string{2: "workspace's directory"}},
		{"unparsable skipped", []Place{backend, store("default", "s3://b/a/?prefix=x/"), src("s3://b/a/?prefix=x/")}, nil},
	} {
		got := map[int]string{}
		for _, p := range Places(c.places, "/ws") {
			got[p.Index] = p.Summary + ": " + p.Detail
			for _, pl := range c.places {
				if strings.Contains(pl.URL, "://") && strings.Contains(p.Detail, strings.SplitN(pl.URL, "?", 2)[0]) {
					t.Errorf("%s: the message shows a URL: %s", c.name, p.Detail)
				}
			}
		}
		if len(got) != len(c.want) {
			t.Errorf("%s: got %v, want problems at %v", c.name, got, c.want)
			continue
		}
		for i, w := range c.want {
			if !strings.Contains(got[i], w) {
				t.Errorf("%s: place %d: got %q, want %q", c.name, i, got[i], w)
			}
		}
	}
}

func TestWithin(t *testing.T) {
	for _, c := range []struct {
		a, o string
		rel  string
		want bool
	}{
		{"file://store/x", "file://store", "x", true},
		{"file://store/x/data", "file://store", "x/data", true},
		{"file://store", "file://./store/", "", true},
		{"file://store", "file://store/x", "", false},
		{"file://store-2", "file://store", "", false},
		{"file:///ws/store/x", "file://store", "x", true},
		{"file:///srv?prefix=st/data/", "file:///srv/st", "data", true},
		{"s3://b/a/x/", "s3://b/a/", "x", true},
		{"s3://b/a/", "s3://b/a", "", true},
		{"s3://b/", "s3://b/a/", "", false},
		{"s3://b/a/x/", "s3://c/a/", "", false},
		{"s3://b/a/x/?endpoint=e", "s3://b/a/", "", false},
		{"file://b/a/x", "mem://b/a/", "", false},
	} {
		a, err := bloburl.Parse(c.a)
		if err != nil {
			t.Fatal(err)
		}
		o, err := bloburl.Parse(c.o)
		if err != nil {
			t.Fatal(err)
		}
		if rel, ok := Within(a, o, "/ws"); rel != c.rel || ok != c.want {
			t.Errorf("Within(%s, %s) = %q, %v, want %q, %v", c.a, c.o, rel, ok, c.rel, c.want)
		}
	}
}
