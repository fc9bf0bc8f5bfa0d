package storekeys

import "testing"

func TestOwned(t *testing.T) {
	for rel, want := range map[string]bool{
		"": true, "/": true, "config": true, "config/x": true, "data": true, "data/ab/x": true,
		"index/": true, "manifests/m": true, "objects": true, "roots/r": true, "locks/l/": true,
		"sub": false, "sub/data/": false, "data-2/": false, "configs": false, "state": false, "Data": false,
	} {
		if got := Owned(rel); got != want {
			t.Errorf("Owned(%q) = %v, want %v", rel, got, want)
		}
	}
}
