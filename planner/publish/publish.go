package publish

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/mlform/mlform/internal/bloburl"
	"github.com/mlform/mlform/internal/relpath"
	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/providers/storage"
	"github.com/mlform/mlform/providers/storage/manifest"
	"github.com/mlform/mlform/state"
	"github.com/mlform/mlform/state/statemgr"
)

// ManifestName is the object, next to the published files, that
// says what they are. It is written last, so a reader that finds it finds
// every file it lists.
const ManifestName = "mlform-manifest.json"

// Manifest is the JSON document at ManifestName (format 1).
type Manifest struct {
	FormatVersion int                `json:"format_version"`
	Model         string             `json:"model"`
	Version       int                `json:"version"`
	Alias         string             `json:"alias"`
	Promotion     string             `json:"promotion"`
	ArtifactsID   string             `json:"artifacts_id"`
	PublishedAt   time.Time          `json:"published_at"`
	Metrics       map[string]float64 `json:"metrics,omitempty"`
	Files         []File             `json:"files"`
}

// File is one published artifact: its path under the URL, size
// and BLAKE3 hash (as in the store).
type File struct {
	Path string `json:"path"`
	Size int64  `json:"size"`
	Hash string `json:"hash"`
}

// Destination is a promotion's publish block as publishing needs it.
type Destination struct {
	// Promotion, Model and Alias name what is published (the manifest and
	// the state's publication record say them).
	Promotion, Model, Alias string
	// URL is where to (raw: it may hold credentials); Display is how
	// messages and state name it (credentials redacted, or the sensitive
	// placeholder); Secrets are the texts errors must never show.
	URL, Display string
	Secrets      []string
}

// Run copies version v's artifacts as plain files to the destination's
// URL, then the manifest, then deletes files a previous publication by
// the same model and promotion listed that v does not have; finally it records the publication in
// state. Before anything, it removes the temporaries an interrupted
// publish to the URL left (publishTarget.sweep); a published file never
// appears partially under its final name.
func Run(ctx context.Context, rc *engine.RunContext, dest Destination, v int) error {
	var ver state.Version
	found := false
	rc.ReadState(func(st *state.State) {
		if m := st.Models[dest.Model]; m != nil {
			if x := m.Version(v); x != nil {
				ver, found = *x, true
			}
		}
	})
	if !found || ver.ArtifactsID == "" {
		return fmt.Errorf("model.%s v%d has no recorded artifacts to publish", dest.Model, v)
	}
	ws := rc.Workspace
	store, err := ws.Store(ctx, ver.Store)
	if err != nil {
		return err
	}
	man, err := store.GetManifest(ctx, ver.ArtifactsID)
	if err != nil {
		return fmt.Errorf("artifacts of v%d: %w", v, err)
	}
	url := dest.Display
	if above := enclosingStore(ctx, dest.URL, ws.BaseDir); above != "" {
		if slices.Contains(dest.Secrets, dest.URL) { // the URL derives from a secret
			above = "a place above it"
		}
		return fmt.Errorf("%s is inside the mlform store at %s: published files would be taken for its objects (gc -check reports them, and a file named like one of its objects replaces it); publish to a place of its own", url, above)
	}
	target, err := openPublishTarget(ctx, dest.URL, ws.BaseDir)
	if err != nil {
		return engine.HideSecrets(err, dest.Secrets)
	}
	defer target.close()
	redact := func(err error) string {
		return engine.HideSecrets(errors.New(bloburl.RedactError(err, dest.URL)), dest.Secrets).Error()
	}

	if what := mlformPlace(ctx, target); what != "" {
		return fmt.Errorf("%s holds %s: published files would replace or be deleted as its objects; publish to a place of its own", url, what)
	}

	// What a killed publish left (temporaries only: a published file is
	// never partial) goes first, so it cannot pile up.
	stale, ours := previousPublished(ctx, target, dest)
	if _, err := target.sweep(ctx, stale); err != nil {
		return fmt.Errorf("remove temporaries of an interrupted publish from %s: %s", url, redact(err))
	}
	pm := &Manifest{FormatVersion: 1, Model: dest.Model, Version: v, Alias: dest.Alias, Promotion: dest.Promotion,
		ArtifactsID: ver.ArtifactsID, PublishedAt: ws.Now.UTC(), Metrics: ver.Metrics, Files: []File{}}
	keep := map[string]bool{ManifestName: true}
	for _, f := range man.Files {
		if err := relpath.Check(f.Path); err != nil {
			return fmt.Errorf("artifacts of v%d: %w", v, err)
		}
		if why := ReservedOutput(f.Path); why != "" {
			return fmt.Errorf("artifacts of v%d contain %s: %s", v, f.Path, why)
		}
		if err := copyToTarget(ctx, store, target, f); err != nil {
			return fmt.Errorf("publish %s to %s: %s", f.Path, url, redact(err))
		}
		keep[f.Path] = true
		pm.Files = append(pm.Files, File{Path: f.Path, Size: f.Size, Hash: f.Hash})
	}
	sort.Slice(pm.Files, func(i, j int) bool { return pm.Files[i].Path < pm.Files[j].Path })
	b, err := json.MarshalIndent(pm, "", "  ")
	if err != nil {
		return err
	}
	if err := target.put(ctx, ManifestName, bytes.NewReader(append(b, '\n')), "application/json"); err != nil {
		return fmt.Errorf("publish %s to %s: %s", ManifestName, url, redact(err))
	}
	// Only this promotion's own earlier publication is replaced: files a
	// manifest of another model or promotion listed (two workspaces
	// publishing to one URL) are not this publish's to delete.
	for _, p := range stale {
		if ours && !keep[p] {
			if err := target.remove(ctx, p); err != nil {
				return fmt.Errorf("remove %s (published before) from %s: %s", p, url, redact(err))
			}
		}
	}
	return rc.UpdateState(statemgr.ChangingPublication(ctx, dest.Promotion), func(st *state.State) error {
		if st.Publications == nil {
			st.Publications = map[string]*state.Publication{}
		}
		st.Publications[dest.Promotion] = &state.Publication{Version: v, URL: url, At: ws.Now.UTC()}
		return nil
	})
}

// copyToTarget streams one artifact (verified by the store) to f.Path.
func copyToTarget(ctx context.Context, store *storage.Store, target publishTarget, f manifest.File) error {
	r, err := store.OpenFile(ctx, f)
	if err != nil {
		return err
	}
	defer r.Close()
	return target.put(ctx, f.Path, r, "application/octet-stream")
}

// maxManifest bounds the publish manifest read back from a URL (anyone
// with access to it may have written it): about 200 bytes a file, for
// hundreds of thousands of files.
const maxManifest = 64 << 20

// previousPublished lists the files the manifest already at the URL
// names (none when there is none or it cannot be read), and whether that
// manifest was written by a publish of dest's model and promotion.
func previousPublished(ctx context.Context, target publishTarget, dest Destination) ([]string, bool) {
	b, err := target.read(ctx, ManifestName, maxManifest+1)
	if err != nil || len(b) > maxManifest {
		return nil, false
	}
	var old Manifest
	ours := json.Unmarshal(b, &old) == nil && old.Model == dest.Model && old.Promotion == dest.Promotion
	return publishedPaths(b), ours
}

// publishedPaths decodes a publish manifest found at a URL. It is
// untrusted input (anyone with access to the bucket can write it), so only
// valid relative paths other than the manifest itself are returned, and
// anything unreadable is treated as listing nothing.
func publishedPaths(b []byte) []string {
	var old Manifest
	if err := json.Unmarshal(b, &old); err != nil {
		return nil
	}
	var out []string
	for _, f := range old.Files {
		if relpath.Check(f.Path) == nil && f.Path != ManifestName {
			out = append(out, f.Path)
		}
	}
	return out
}
