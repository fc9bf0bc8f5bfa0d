package engine

import (
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/zeebo/blake3"

	"github.com/mlform/mlform/internal/bloburl"
	"github.com/mlform/mlform/internal/textfmt"
	"github.com/mlform/mlform/state"
)

// The state records which store each storage block named when apply last
// wrote it (state.State.Stores). A block's url edited since names another
// place, where none of the objects the state records are: plan, apply and
// gc refuse to go on until the url is put back or `mlform init` has found
// the objects at the new place (docs/storage.md, "Moving a store").

// StoreRecord returns what the state records of declared storage block
// name: its url's identity, or a digest of it when the url derives from a
// sensitive variable (never a secret).
func (ws *Workspace) StoreRecord(name string) (*state.StoreRecord, error) {
	id, _, err := bloburl.Identity(ws.StoreURLs[name])
	if err != nil {
		return nil, HideSecrets(fmt.Errorf("storage %q: %w", name, err), ws.StoreSecrets[name])
	}
	if ws.StoreSecrets[name] != nil {
		sum := blake3.Sum256([]byte(id))
		return &state.StoreRecord{URL: state.SensitiveStorePrefix + hex.EncodeToString(sum[:])}, nil
	}
	return &state.StoreRecord{URL: id}, nil
}

// sameStore reports whether recorded (a StoreRecord's URL) names the place
// now (another one's) names: equal records, the same place once
// credentials are left out (a rotated or added token), or the same local
// directory resolved against baseDir ("file://store" and
// "file:///abs/ws/store").
func sameStore(recorded, now, baseDir string) bool {
	if recorded == now {
		return true
	}
	if strings.HasPrefix(recorded, state.SensitiveStorePrefix) || strings.HasPrefix(now, state.SensitiveStorePrefix) {
		return false
	}
	a, aerr := bloburl.Parse(recorded)
	b, berr := bloburl.Parse(now)
	if aerr != nil || berr != nil {
		return false
	}
	if a.Local() && b.Local() {
		da, _ := bloburl.LocalPath(recorded, baseDir)
		db, _ := bloburl.LocalPath(now, baseDir)
		return da == db
	}
	return a.Place() == b.Place()
}

// StoreMove is a declared storage block whose url names another place
// than the store the state recorded for it, while the state records
// objects there.
type StoreMove struct {
	Store string
	// Old and New are the recorded and the configured place: identities,
	// or "(sensitive)".
	Old, New string
	// At is the configured url's file:line:col ("" when unknown).
	At string
	// Uses counts what the state records in the old store.
	Uses state.StoreUse
	// Record is what the state records once the move is accepted.
	Record *state.StoreRecord
}

// MovedStores lists the declared storage blocks (sorted) whose url names
// another place than the one the state recorded, where the state records
// snapshots or versions. A block the state records nothing of, one it
// records objects in but no place for (a state written before format 7),
// and an undeclared one are not moves.
func (ws *Workspace) MovedStores(st *state.State) ([]*StoreMove, error) {
	if len(st.Stores) == 0 {
		return nil, nil
	}
	uses := st.StoreUses()
	var out []*StoreMove
	for _, name := range ws.StoreNames() {
		old := st.Stores[name]
		if old == nil || uses[name] == (state.StoreUse{}) {
			continue
		}
		rec, err := ws.StoreRecord(name)
		if err != nil {
			return nil, err
		}
		if sameStore(old.URL, rec.URL, ws.BaseDir) {
			continue
		}
		mv := &StoreMove{Store: name, Old: shownRecord(old.URL), New: shownRecord(rec.URL), Uses: uses[name], Record: rec}
		if ws.Config != nil {
			if s := ws.Config.Storage[name]; s != nil && s.URLRange.Filename != "" {
				r := s.URLRange
				mv.At = fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
			}
		}
		out = append(out, mv)
	}
	return out, nil
}

// shownRecord is how messages show a recorded place.
func shownRecord(url string) string {
	if strings.HasPrefix(url, state.SensitiveStorePrefix) {
		return "(sensitive)"
	}
	return url
}

// StoreMovedError refuses a command because storage blocks name other
// places than the stores holding what the state records there.
type StoreMovedError struct {
	Moves []*StoreMove
}

func (e *StoreMovedError) Error() string {
	var b strings.Builder
	for i, mv := range e.Moves {
		if i > 0 {
			b.WriteString("\n")
		}
		at := ""
		if mv.At != "" {
			at = " (" + mv.At + ")"
		}
		fmt.Fprintf(&b, "storage %q names another store than the one holding this state's objects:\n", mv.Store)
		fmt.Fprintf(&b, "  recorded: %s (%s, %s)\n", mv.Old, textfmt.Count(mv.Uses.Snapshots, "snapshot"), textfmt.Count(mv.Uses.Versions, "version"))
		fmt.Fprintf(&b, "  now:      %s%s\n", mv.New, at)
	}
	b.WriteString("Nothing was written. Either put the url back, or copy every object of the old store to the new place\n" +
		"(aws s3 sync OLD NEW, gsutil -m rsync -r OLD NEW, rclone copy OLD NEW, or cp -a OLD/. NEW/ for file://)\n" +
		"and run mlform init: it checks that the new place holds everything this state references there, and records it.")
	return b.String()
}

// CheckStores refuses (a *StoreMovedError) a state whose storage blocks
// name other places than the stores holding its objects. plan, apply and
// gc call it before they read or write any store.
func (ws *Workspace) CheckStores(st *state.State) error {
	moves, err := ws.MovedStores(st)
	if err != nil || len(moves) == 0 {
		return err
	}
	return &StoreMovedError{Moves: moves}
}

// RecordStores records in st the place of every declared storage block,
// and forgets the record of a block neither declared nor holding anything
// st records. apply calls it, after CheckStores, before its first write.
func (ws *Workspace) RecordStores(st *state.State) error {
	uses := st.StoreUses()
	for _, name := range slices.Sorted(maps.Keys(st.Stores)) {
		if _, declared := ws.StoreURLs[name]; !declared && uses[name] == (state.StoreUse{}) {
			delete(st.Stores, name)
		}
	}
	for _, name := range ws.StoreNames() {
		rec, err := ws.StoreRecord(name)
		if err != nil {
			return err
		}
		if st.Stores == nil {
			st.Stores = map[string]*state.StoreRecord{}
		}
		st.Stores[name] = rec
	}
	return nil
}

// UndeclaredStoreHint says how to reach again what st records in storage
// block name, which the configuration no longer declares: a block renamed
// with the same url is not a move (the records name the block), so the
// old name must be declared again beside the new one, and any other
// block must be declared again at the place the state recorded. It starts
// with "; " to follow the error it explains.
func (ws *Workspace) UndeclaredStoreHint(st *state.State, name string) string {
	var rec string
	if r := st.Stores[name]; r != nil {
		rec = r.URL
	}
	for _, other := range ws.StoreNames() {
		now, err := ws.StoreRecord(other)
		if rec == "" || err != nil || !sameStore(rec, now.URL, ws.BaseDir) {
			continue
		}
		return fmt.Sprintf("; storage %q names the same place, but the records name the block, so a rename is not a move: declare storage %q again beside it, with the same url (two blocks may name one store)", other, name)
	}
	if rec != "" && !strings.HasPrefix(rec, state.SensitiveStorePrefix) {
		return fmt.Sprintf("; declare storage %q again, with the url it had (%s), or forget what it holds with mlform state rm", name, rec)
	}
	return fmt.Sprintf("; declare storage %q again, with the url it had, or forget what it holds with mlform state rm", name)
}
