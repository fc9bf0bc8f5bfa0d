package policy

import (
	"fmt"
	"strings"

	"github.com/mlform/mlform/internal/textfmt"
	"github.com/mlform/mlform/state"
)

// codeNamesShown is how many changed code files a reason names before
// "and N more".
const codeNamesShown = 3

// codeChangeMessage is the reason line of a code change: the count and
// the hashes, then, when both versions recorded their code listing, the
// files that differ (added and removed ones marked): "code changed (12
// files, 3f2a... -> 9bc1...): train.py, util.py (added) and 2 more". The
// count comes first so it does not read as the last file's.
func codeChangeMessage(prev, cur state.Inputs) string {
	hashes := fmt.Sprintf("%s, %s -> %s", textfmt.Files(cur.CodeFiles), short(prev.CodeHash), short(cur.CodeHash))
	msg := "code changed (" + hashes + ")"
	names := changedCodeFiles(prev.CodeTree, cur.CodeTree)
	if len(names) == 0 {
		return msg
	}
	shown := names
	if len(names) > codeNamesShown+1 { // "and 1 more" would hide no more than the name
		shown = names[:codeNamesShown]
	}
	msg += ": " + strings.Join(shown, ", ")
	if n := len(names) - len(shown); n > 0 {
		msg += fmt.Sprintf(" and %d more", n)
	}
	return msg
}

// changedCodeFiles lists, in path order, the files that differ between two
// code listings ("path", "path (added)", "path (removed)"); nil when
// either listing is missing (a version recorded without one, a tree too
// large to list).
func changedCodeFiles(prev, cur map[string]string) []string {
	if prev == nil || cur == nil {
		return nil
	}
	var out []string
	for _, p := range unionKeys(prev, cur) {
		o, inOld := prev[p]
		n, inNew := cur[p]
		switch {
		case !inOld:
			out = append(out, p+" (added)")
		case !inNew:
			out = append(out, p+" (removed)")
		case o != n:
			out = append(out, p)
		}
	}
	return out
}
