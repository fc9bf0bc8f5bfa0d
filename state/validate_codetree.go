package state

import (
	"fmt"
	"maps"
	"slices"

	"github.com/mlform/mlform/internal/hexid"
	"github.com/mlform/mlform/internal/relpath"
	"github.com/mlform/mlform/internal/termtext"
)

// maxCodeTree bounds a version's code listing (planner/codehash records at
// most 1000 files; a hand-edited state may not grow it without bound).
const maxCodeTree = 1000

// codeTreeKeyLen is the length of a listing's per-file key.
const codeTreeKeyLen = 16

// validateCodeTree checks a version's code listing: at most maxCodeTree
// clean relative paths (they are printed in plans and lineage), each
// with a 16-hex-digit key.
func validateCodeTree(where string, tree map[string]string) error {
	if len(tree) > maxCodeTree {
		return fmt.Errorf("%s: inputs: code_tree lists %d files, more than %d", where, len(tree), maxCodeTree)
	}
	for _, p := range slices.Sorted(maps.Keys(tree)) {
		if err := relpath.Check(p); err != nil {
			return fmt.Errorf("%s: inputs: code_tree: %w", where, err)
		}
		if k := tree[p]; len(k) != codeTreeKeyLen || !hexid.IsLowerHex(k) {
			return fmt.Errorf("%s: inputs: code_tree %q: key %q is not %d hex digits", where, termtext.Truncate(p, 80), termtext.Truncate(k, 80), codeTreeKeyLen)
		}
	}
	return nil
}
