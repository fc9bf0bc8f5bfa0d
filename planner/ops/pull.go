package ops

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/planner/query"
	"github.com/mlform/mlform/providers/storage"
	"github.com/mlform/mlform/state"
)

// PullTarget is what `mlform pull ADDR DIR` materialises.
type PullTarget struct {
	// Label is the resolved address with the full id or version.
	Label      string
	Store      string
	ManifestID string
	Files      int
	Bytes      int64
	// state is what the target was resolved in, for the hint of a
	// storage block no longer declared.
	state *state.State
}

// ResolvePull resolves "dataset.NAME[@SNAPSHOT]" or
// "model.NAME@VERSION|ALIAS" against the state.
func ResolvePull(st *state.State, addr string) (*PullTarget, error) {
	if strings.HasPrefix(addr, "dataset.") {
		ref, err := ParseSnapshotRef(addr)
		if err != nil {
			return nil, err
		}
		s, err := resolveSnapshot(st, ref)
		if err != nil {
			return nil, err
		}
		return &PullTarget{Label: fmt.Sprintf("dataset.%s@%s", ref.Dataset, s.ID), Store: storeOr(s.Store), ManifestID: s.ID, Files: s.Files, Bytes: s.Bytes, state: st}, nil
	}
	name, v, err := resolvePullVersion(st, addr, "or a dataset (dataset.NAME[@SNAPSHOT])")
	if err != nil {
		return nil, err
	}
	if v.ArtifactsID == "" {
		return nil, fmt.Errorf("model.%s@%d has no artifacts (status %s)", name, v.Version, v.Status)
	}
	return &PullTarget{Label: fmt.Sprintf("model.%s@%d", name, v.Version), Store: storeOr(v.Store), ManifestID: v.ArtifactsID, state: st}, nil
}

// ResolvePullCode resolves "model.NAME@VERSION|ALIAS" to the version's
// code archive (pull -code).
func ResolvePullCode(st *state.State, addr string) (*PullTarget, error) {
	name, v, err := resolvePullVersion(st, addr, "(pull -code restores a version's code)")
	if err != nil {
		return nil, err
	}
	if v.CodeID == "" {
		if v.Inputs.CodeFiles == 0 {
			return nil, fmt.Errorf("model.%s@%d has no code archive: the model declared no code files when it trained", name, v.Version)
		}
		return nil, fmt.Errorf("model.%s@%d has no code archive: it was recorded before mlform archived code (its code hash is %s; git commit %q)", name, v.Version, v.Inputs.CodeHash, v.GitCommit)
	}
	return &PullTarget{Label: fmt.Sprintf("the code of model.%s@%d", name, v.Version), Store: storeOr(v.Store), ManifestID: v.CodeID, state: st}, nil
}

// resolvePullVersion finds the version addr names; what says what else
// the command accepts.
func resolvePullVersion(st *state.State, addr, what string) (string, *state.Version, error) {
	a, err := query.ParseAddress(addr)
	if err != nil {
		return "", nil, err
	}
	if a.Kind != state.AddrVersion && a.Kind != state.AddrAlias {
		return "", nil, fmt.Errorf("%s: pull needs a version or an alias (model.NAME@3, model.NAME@production) %s", addr, what)
	}
	m := st.Models[a.Name]
	if m == nil {
		return "", nil, fmt.Errorf("model.%s is not in state", a.Name)
	}
	n := a.Version
	if a.Kind == state.AddrAlias {
		al := m.Aliases[a.Alias]
		if al == nil {
			return "", nil, query.NoAlias(a, m)
		}
		n = al.Version
	}
	for _, x := range m.Versions {
		if x.Version == n {
			return a.Name, x, nil
		}
	}
	if why := query.NotCollected(m, n); why != "" {
		return "", nil, errors.New(why)
	}
	return "", nil, fmt.Errorf("model.%s has no version %d", a.Name, n)
}

func storeOr(s string) string {
	if s == "" {
		return engine.DefaultStorage
	}
	return s
}

// Pull materialises t into dir, verifying every file's hash. A non-empty
// dir is refused unless force is set (then files of the same name are
// replaced and other files are left alone).
func Pull(ctx context.Context, ws *engine.Workspace, t *PullTarget, dir string, force bool) error {
	if dir == "" {
		// os.ReadDir("") fails as "not exist", so an empty DIR would pass
		// for a new directory and the store would write into the current
		// one, non-empty or not.
		return errors.New("pull needs a target directory, and DIR is empty (write . for the current directory)")
	}
	entries, err := os.ReadDir(dir)
	created := os.IsNotExist(err)
	if created {
		// A dangling symlink reads as missing, but it is not this pull's
		// to create (mkdir fails on it) nor to remove when pull fails.
		if target, lerr := os.Readlink(dir); lerr == nil {
			return fmt.Errorf("pull into %s: it is a symbolic link to %s, which does not exist", dir, target)
		}
	}
	switch {
	case err == nil && len(entries) > 0 && !force:
		return fmt.Errorf("%s is not empty: pull into an empty or new directory, or use -force to write into it", dir)
	case err != nil && !os.IsNotExist(err):
		return fmt.Errorf("pull into %s: %w", dir, err)
	}
	if _, ok := ws.StoreURLs[t.Store]; !ok {
		hint := ""
		if t.state != nil {
			hint = ws.UndeclaredStoreHint(t.state, t.Store)
		}
		return fmt.Errorf("%s lives in storage %q, which the configuration no longer declares%s", t.Label, t.Store, hint)
	}
	store, err := ws.Store(ctx, t.Store)
	if err != nil {
		return err
	}
	// DIR and the parents it lacks are made here, not by Materialize,
	// so that a failed pull knows which directories are its own.
	made, err := makeDirs(dir)
	if err != nil {
		removeMade(made)
		return fmt.Errorf("pull into %s: %w", dir, err)
	}
	if err := store.Materialize(ctx, t.ManifestID, dir); err != nil {
		// A failed pull into a new or empty directory leaves it as it
		// was, so that running pull again (or into it after a repair)
		// is not refused as "not empty" and half a tree is never
		// mistaken for the snapshot; the parents it created for a new
		// one go too (pull a/b/c with no a leaves no a/b). A forced
		// pull keeps what it wrote: the directory held the user's files.
		if len(entries) == 0 {
			if cerr := clearDir(dir, created); cerr != nil {
				return fmt.Errorf("pull %s: %w (and removing the partial pull from %s: %v)", t.Label, err, dir, cerr)
			}
			removeMade(made)
		}
		if ctx.Err() == nil && errors.Is(err, storage.ErrCorrupt) {
			return fmt.Errorf("pull %s: %w\nThe store is damaged: mlform gc -check -read-data lists every damaged object", t.Label, err)
		}
		return fmt.Errorf("pull %s: %w", t.Label, err)
	}
	return nil
}

// makeDirs creates dir and the parents it lacks, as os.MkdirAll does for
// the absolute path Materialize writes to, and returns the directories it
// created itself, deepest first (one created meanwhile by someone else is
// not among them).
func makeDirs(dir string) ([]string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	var missing []string
	for p := abs; ; p = filepath.Dir(p) {
		if _, err := os.Lstat(p); err == nil {
			break
		} else if !os.IsNotExist(err) {
			return nil, err
		}
		missing = append(missing, p)
		if filepath.Dir(p) == p {
			break
		}
	}
	var made []string
	for i := len(missing) - 1; i >= 0; i-- {
		err := os.Mkdir(missing[i], 0o755)
		if err == nil {
			made = append([]string{missing[i]}, made...)
			continue
		}
		if fi, serr := os.Stat(missing[i]); errors.Is(err, os.ErrExist) && serr == nil && fi.IsDir() {
			continue
		}
		return made, err
	}
	return made, nil
}

// removeMade removes the directories makeDirs created, deepest first,
// each only if it is empty (os.Remove): what someone else put there
// since stays, and so does the directory holding it.
func removeMade(made []string) {
	for _, d := range made {
		if err := os.Remove(d); err != nil && !os.IsNotExist(err) {
			return
		}
	}
}

// clearDir removes dir (created by this pull) or, when it existed empty
// before, everything now inside it.
func clearDir(dir string, created bool) error {
	if created {
		return os.RemoveAll(dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return nil
}
