package codehash

import (
	"fmt"
	"maps"
	"os"
	"slices"
)

// Match lists the files under baseDir the globs select, sorted, by the
// same rules as the code hash (a literal directory means everything below
// it; nothing outside baseDir). A glob that matches no file is an error,
// as it is for hashing.
func Match(baseDir string, globs []string) ([]string, error) {
	root, paths, err := openMatched(baseDir, globs)
	if err != nil {
		return nil, err
	}
	root.Close()
	return paths, nil
}

// openMatched checks globs, opens baseDir as a root that no path can
// leave and lists what the globs select in it (matchIn). The caller
// closes the root, through which it reads the files.
func openMatched(baseDir string, globs []string) (*os.Root, []string, error) {
	for _, g := range globs {
		if err := checkGlob(g); err != nil {
			return nil, nil, err
		}
	}
	root, err := os.OpenRoot(baseDir)
	if err != nil {
		return nil, nil, fmt.Errorf("open %s: %w", baseDir, err)
	}
	paths, err := matchIn(root, baseDir, globs)
	if err != nil {
		root.Close()
		return nil, nil, err
	}
	return root, paths, nil
}

// matchIn is the one matching rule behind Match, ListFiles and the code
// hash: the union of what each glob selects under root, sorted; a glob
// that selects nothing is an error naming it.
func matchIn(root *os.Root, baseDir string, globs []string) ([]string, error) {
	matched := map[string]bool{}
	for _, g := range globs {
		n := 0
		for _, a := range alternatives(g) {
			k, err := walkGlob(root, a, matched)
			if err != nil {
				return nil, err
			}
			n += k
		}
		if n == 0 {
			return nil, fmt.Errorf("glob %q matches no file under %s", g, baseDir)
		}
	}
	return slices.Sorted(maps.Keys(matched)), nil
}
