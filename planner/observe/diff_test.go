package observe

import (
	"reflect"
	"testing"
)

func TestDiff(t *testing.T) {
	f := func(p string, size int64, hash string) File {
		return File{Path: p, Size: size, Hash: hash, Mode: 0o644}
	}
	tests := []struct {
		name     string
		old, new []File
		want     Changes
	}{
		{"identical", []File{f("a", 1, "h1")}, []File{f("a", 1, "h1")}, Changes{}},
		{"both empty", nil, nil, Changes{}},
		{
			"added changed removed",
			[]File{f("a", 10, "h1"), f("b", 5, "h2"), f("c", 7, "h3")},
			[]File{f("a", 10, "h1"), f("b", 8, "h9"), f("d", 100, "h4")},
			Changes{
				Added:      []Change{{Path: "d", Size: 100, Delta: 100}},
				Changed:    []Change{{Path: "b", Size: 8, Delta: 3}},
				Removed:    []Change{{Path: "c", Size: 7, Delta: -7}},
				AddedBytes: 100, ChangedBytes: 3, RemovedBytes: 7,
			},
		},
		{
			"unsorted input",
			[]File{f("z", 1, "a"), f("a", 1, "a")},
			[]File{f("a", 1, "a"), f("m", 2, "b")},
			Changes{
				Added: []Change{{Path: "m", Size: 2, Delta: 2}}, Removed: []Change{{Path: "z", Size: 1, Delta: -1}},
				AddedBytes: 2, RemovedBytes: 1,
			},
		},
		{
			"mode only",
			[]File{f("run.sh", 3, "h")},
			[]File{{Path: "run.sh", Size: 3, Hash: "h", Mode: 0o755}},
			Changes{Changed: []Change{{Path: "run.sh", Size: 3, Delta: 0}}},
		},
		{
			"shrunk file",
			[]File{f("a", 10, "h1")}, []File{f("a", 4, "h2")},
			Changes{Changed: []Change{{Path: "a", Size: 4, Delta: -6}}, ChangedBytes: -6},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Diff(tt.old, tt.new)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Diff = %+v\nwant %+v", got, tt.want)
			}
			if got.Empty() != (len(tt.want.Added)+len(tt.want.Changed)+len(tt.want.Removed) == 0) {
				t.Errorf("Empty() = %v", got.Empty())
			}
		})
	}
}
