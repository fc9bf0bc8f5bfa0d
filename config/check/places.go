package check

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/mlform/mlform/internal/bloburl"
	"github.com/mlform/mlform/internal/storekeys"
)

// PlaceKind says what a configuration keeps, or reads, at a URL.
type PlaceKind int

// The kinds of Place.
const (
	PlaceBackend PlaceKind = iota // the state backend (mlform block)
	PlaceStore                    // a storage block
	PlacePublish                  // a promotion's publish target
	PlaceSource                   // a dataset's source
)

// Place is one URL of a configuration.
type Place struct {
	Kind PlaceKind
	Name string // the block's name ("" for the backend)
	At   string // where its URL is written ("main.mlf.hcl:1:27"); "" when implicit
	URL  string
}

// PlaceProblem is a refused place: Places[Index], with a diagnostic's
// summary and detail (which name blocks and positions, never a URL: one
// may carry credentials or derive from a sensitive variable).
type PlaceProblem struct {
	Index           int
	Summary, Detail string
}

// what names a backend or store place in a message.
func (p Place) what() string {
	if p.Kind == PlaceBackend {
		return "the state backend (mlform block)"
	}
	s := fmt.Sprintf("the store of storage %q", p.Name)
	if p.At != "" {
		s += " (" + p.At + ")"
	}
	return s
}

// Places refuses the places that overlap what mlform itself writes (local
// ones resolved against root), in the order given:
//
//   - a publish URL naming the workspace's directory or one holding it, or
//     the backend's or a store's place, or one inside or around it: a
//     published file would replace the configuration, the state or the
//     store's config, or be deleted by gc as a store object;
//   - a store, or the backend, inside another store's place under a name
//     that store keeps its own objects at (internal/storekeys: config,
//     data, index, ...): the outer store lists those keys (gc -check
//     reported the inner one's objects as unexpected, every time). The
//     same place twice is fine, as is a store under another name
//     (file://store/sub) or inside the backend's place (the backend keeps
//     a few flat state objects and lists nothing);
//   - a dataset source at the backend's place, or at or inside a store's
//     own keys, or, for a bucket source, holding either: every apply
//     writes there (packs, locks, roots, the state), so the snapshot
//     changes every run. A local source holding them is fine: observation
//     leaves their directories out.
//
// A dataset reading a publish target is a pipeline, not a problem.
func Places(places []Place, root string) []PlaceProblem {
	locs := make([]bloburl.Location, len(places))
	ok := make([]bool, len(places))
	for i, p := range places {
		if p.URL != "" {
			loc, err := bloburl.Parse(p.URL)
			locs[i], ok[i] = loc, err == nil // else CheckURL reported it
		}
	}
	var probs []PlaceProblem
	add := func(i int, summary, format string, args ...any) {
		probs = append(probs, PlaceProblem{Index: i, Summary: summary, Detail: fmt.Sprintf(format, args...)})
	}
	workspace := bloburl.Location{Scheme: "file", Dir: "."}
	for i, p := range places {
		if !ok[i] {
			continue
		}
		loc := locs[i]
		if p.Kind == PlacePublish && loc.Local() && loc.Holds(workspace, root) {
			add(i, "Publish URL overlaps mlform's own objects", "promotion %q publishes to the workspace's directory or one holding it: published files would replace its configuration files and what mlform keeps in .mlform. Publish to a place of its own (a subdirectory, say file://published).", p.Name)
			continue
		}
		for j, o := range places {
			if !ok[j] || j == i || (o.Kind != PlaceBackend && o.Kind != PlaceStore) || !loc.Overlaps(locs[j], root) {
				continue
			}
			rel, in := Within(loc, locs[j], root)
			if p.Kind == PlacePublish {
				add(i, "Publish URL overlaps mlform's own objects", "promotion %q publishes to the place of %s, or inside or around it: published files would replace or be deleted as its objects (a file named state.json or config would replace the state or the store's config). Publish to a place of its own, outside every storage url and the backend url.", p.Name, o.what())
				break
			}
			if (p.Kind == PlaceStore || p.Kind == PlaceBackend) && o.Kind == PlaceStore && in && rel != "" && storekeys.Owned(rel) {
				self := fmt.Sprintf("storage %q", p.Name)
				if p.Kind == PlaceBackend {
					self = "the state backend"
				}
				at, where := i, self+" lies inside the place of "+o.what()
				if p.At == "" && o.At != "" { // the inner one is implicit: point at the outer
					at, where = j, fmt.Sprintf("storage %q holds the place of %s", o.Name, p.what())
				}
				add(at, "Storage place inside another store", "%s, under a name that store keeps its own objects at (config, data, index, manifests, objects, roots or locks): it lists those keys, so gc -check would report the other's objects as unexpected, every time. Give it a place of its own, beside the other or under another name; two storage blocks may name the same place.", where)
				break
			}
			if p.Kind != PlaceSource {
				continue
			}
			const writes = "every apply writes there (packs, locks, the state), so the snapshot would change every run, copy the store into itself, and retrain every model trained on it"
			tail := "Read the data from a place of its own; a local source that holds a local store or the state's directory is fine (mlform leaves them out of the snapshot)."
			if !loc.Local() {
				tail = "A bucket source leaves nothing out: keep the data under a prefix of its own, beside the store and the state."
			}
			switch {
			case in && (rel == "" || o.Kind == PlaceStore && storekeys.Owned(rel)):
				add(i, "Dataset source overlaps mlform's own objects", "dataset %q reads the place of %s, or its own objects inside it: %s. %s", p.Name, o.what(), writes, tail)
			case !in && !loc.Local():
				add(i, "Dataset source overlaps mlform's own objects", "dataset %q reads a key prefix holding the place of %s: %s. %s", p.Name, o.what(), writes, tail)
			default:
				continue
			}
			break
		}
	}
	return probs
}

// Within reports whether a is o's place or inside it (a directory at or
// below o's, or a key prefix at or below o's in the same bucket), and
// where: a's place relative to o's, "/"-separated, "" for the same place.
func Within(a, o bloburl.Location, root string) (rel string, ok bool) {
	if !a.Overlaps(o, root) {
		return "", false
	}
	if a.Local() {
		if !o.Holds(a, root) {
			return "", false
		}
		r, err := filepath.Rel(absDir(o, root), absDir(a, root))
		if err != nil || r == "." {
			return "", err == nil
		}
		return filepath.ToSlash(r), true
	}
	if !strings.HasPrefix(a.Prefix, o.Prefix) {
		return "", false
	}
	return strings.TrimSuffix(strings.TrimPrefix(a.Prefix, o.Prefix), "/"), true
}

// absDir is a local location's directory, clean and absolute when it can be.
func absDir(l bloburl.Location, root string) string {
	d := filepath.Clean(l.LocalDir(root))
	if abs, err := filepath.Abs(d); err == nil {
		return abs
	}
	return d
}
