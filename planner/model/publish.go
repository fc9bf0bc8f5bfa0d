package model

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/mlform/mlform/internal/bloburl"
	"github.com/mlform/mlform/internal/relpath"
	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/providers/storage"
	"github.com/mlform/mlform/state"
	"github.com/mlform/mlform/state/statemgr"
)

// PublishManifestName is the object, next to the published files, that
// says what they are. It is written last, so a reader that finds it finds
// every file it lists.
const PublishManifestName = "mlform-manifest.json"

// PublishManifest is the JSON document at PublishManifestName (format 1).
type PublishManifest struct {
	FormatVersion int                `json:"format_version"`
	Model         string             `json:"model"`
	Version       int                `json:"version"`
	Alias         string             `json:"alias"`
	Promotion     string             `json:"promotion"`
	ArtifactsID   string             `json:"artifacts_id"`
	PublishedAt   time.Time          `json:"published_at"`
	Metrics       map[string]float64 `json:"metrics,omitempty"`
	Files         []PublishedFile    `json:"files"`
}

// PublishedFile is one published artifact: its path under the URL, size
// and BLAKE3 hash (as in the store).
type PublishedFile struct {
	Path string `json:"path"`
	Size int64  `json:"size"`
	Hash string `json:"hash"`
}

// publish copies version v's artifacts as plain files to the promotion's
// publish URL, then the manifest, then deletes files a previous
// publication listed that v does not have; finally it records the
// publication in state. Before anything, it removes the temporaries an
// interrupted publish to the URL left (publishTarget.sweep); a published
// file never appears partially under its final name.
func publish(ctx context.Context, rc *engine.RunContext, pr *promotionSpec, v int) error {
	var ver state.Version
	found := false
	rc.ReadState(func(st *state.State) {
		if m := st.Models[pr.Model]; m != nil {
			if x := m.Version(v); x != nil {
				ver, found = *x, true
			}
		}
	})
	if !found || ver.ArtifactsID == "" {
		return fmt.Errorf("model.%s v%d has no recorded artifacts to publish", pr.Model, v)
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
	url := pr.publishDisplay()
	target, err := openPublishTarget(ctx, pr.PublishURL, ws.BaseDir)
	if err != nil {
		return engine.HideSecrets(err, pr.PublishSecrets)
	}
	defer target.close()
	redact := func(err error) string {
		return engine.HideSecrets(errors.New(bloburl.RedactError(err, pr.PublishURL)), pr.PublishSecrets).Error()
	}

	// What a killed publish left (temporaries only: a published file is
	// never partial) goes first, so it cannot pile up.
	stale := previousPublished(ctx, target)
	if _, err := target.sweep(ctx, stale); err != nil {
		return fmt.Errorf("remove temporaries of an interrupted publish from %s: %s", url, redact(err))
	}
	pm := &PublishManifest{FormatVersion: 1, Model: pr.Model, Version: v, Alias: pr.Alias, Promotion: pr.Name,
		ArtifactsID: ver.ArtifactsID, PublishedAt: ws.Now.UTC(), Metrics: ver.Metrics, Files: []PublishedFile{}}
	keep := map[string]bool{PublishManifestName: true}
	for _, f := range man.Files {
		if err := relpath.Check(f.Path); err != nil {
			return fmt.Errorf("artifacts of v%d: %w", v, err)
		}
		if why := reservedOutput(f.Path); why != "" {
			return fmt.Errorf("artifacts of v%d contain %s: %s", v, f.Path, why)
		}
		if err := copyToTarget(ctx, store, target, f); err != nil {
			return fmt.Errorf("publish %s to %s: %s", f.Path, url, redact(err))
		}
		keep[f.Path] = true
		pm.Files = append(pm.Files, PublishedFile{Path: f.Path, Size: f.Size, Hash: f.Hash})
	}
	sort.Slice(pm.Files, func(i, j int) bool { return pm.Files[i].Path < pm.Files[j].Path })
	b, err := json.MarshalIndent(pm, "", "  ")
	if err != nil {
		return err
	}
	if err := target.put(ctx, PublishManifestName, bytes.NewReader(append(b, '\n')), "application/json"); err != nil {
		return fmt.Errorf("publish %s to %s: %s", PublishManifestName, url, redact(err))
	}
	for _, p := range stale {
		if !keep[p] {
			if err := target.remove(ctx, p); err != nil {
				return fmt.Errorf("remove %s (published before) from %s: %s", p, url, redact(err))
			}
		}
	}
	return rc.UpdateState(statemgr.ChangingPublication(ctx, pr.Name), func(st *state.State) error {
		if st.Publications == nil {
			st.Publications = map[string]*state.Publication{}
		}
		st.Publications[pr.Name] = &state.Publication{Version: v, URL: url, At: ws.Now.UTC()}
		return nil
	})
}

// copyToTarget streams one artifact (verified by the store) to f.Path.
func copyToTarget(ctx context.Context, store *storage.Store, target publishTarget, f storage.File) error {
	r, err := store.OpenFile(ctx, f)
	if err != nil {
		return err
	}
	defer r.Close()
	return target.put(ctx, f.Path, r, "application/octet-stream")
}

// previousPublished lists the files the manifest already at the URL
// names (none when there is none or it cannot be read).
func previousPublished(ctx context.Context, target publishTarget) []string {
	b, err := target.read(ctx, PublishManifestName)
	if err != nil {
		return nil
	}
	return publishedPaths(b)
}

// publishedPaths decodes a publish manifest found at a URL. It is
// untrusted input (anyone with access to the bucket can write it), so only
// valid relative paths other than the manifest itself are returned, and
// anything unreadable is treated as listing nothing.
func publishedPaths(b []byte) []string {
	var old PublishManifest
	if err := json.Unmarshal(b, &old); err != nil {
		return nil
	}
	var out []string
	for _, f := range old.Files {
		if relpath.Check(f.Path) == nil && f.Path != PublishManifestName {
			out = append(out, f.Path)
		}
	}
	return out
}
