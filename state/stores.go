package state

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/mlform/mlform/internal/bloburl"
	"github.com/mlform/mlform/internal/hexid"
	"github.com/mlform/mlform/internal/termtext"
)

// StoreRecord is what the state remembers of the store a storage block
// named when the state was last written from the configuration (format
// 7): the place its snapshots and versions were written to, so a url
// edited since is noticed before anything is written
// (planner/engine/storeident.go).
type StoreRecord struct {
	// URL is the store's identity (bloburl.Identity: one spelling per
	// place, credentials redacted), or, for a url that derives from a
	// sensitive variable, SensitiveStorePrefix and the BLAKE3 hex of its
	// identity: never a secret.
	URL string `json:"url"`
}

// SensitiveStorePrefix starts the StoreRecord.URL of a store whose url
// derives from a sensitive variable.
const SensitiveStorePrefix = "sensitive:"

// StoreUse counts what a state records in one storage block.
type StoreUse struct {
	Snapshots, Versions int
}

// StoreUses counts, by storage block, the snapshot records (of dataset
// histories and retained snapshots) and the versions (and attempts or
// evaluations not collected yet) whose objects the block holds.
func (s *State) StoreUses() map[string]StoreUse {
	out := map[string]StoreUse{}
	for _, d := range s.datasetLists() {
		if d == nil {
			continue
		}
		for _, sn := range d.Snapshots {
			if sn != nil && sn.Store != "" {
				u := out[sn.Store]
				u.Snapshots++
				out[sn.Store] = u
			}
		}
	}
	for _, m := range s.Models {
		if m == nil {
			continue
		}
		count := func(store string) {
			if store != "" {
				u := out[store]
				u.Versions++
				out[store] = u
			}
		}
		for _, v := range m.Versions {
			if v != nil && (v.ArtifactsID != "" || v.LogsID != "" || v.CodeID != "" || v.EnvironmentID != "" || v.CardID != "") {
				count(v.Store)
			}
		}
		for _, r := range m.Running {
			if r != nil {
				count(r.Store)
			}
		}
		for _, e := range m.Evaluating {
			if e != nil {
				count(e.Store)
			}
		}
	}
	return out
}

// validateStores checks the store records (state is untrusted input): a
// record's url is an identity as mlform records one, so no credential
// (nor anything else bloburl.Identity would not write) is ever kept.
func validateStores(stores map[string]*StoreRecord) error {
	for _, name := range slices.Sorted(maps.Keys(stores)) {
		r := stores[name]
		switch {
		case !IsName(name):
			return fmt.Errorf("stores: %q is not a valid storage name", termtext.Truncate(name, 80))
		case r == nil:
			return fmt.Errorf("stores.%s is null", name)
		}
		if sum, ok := strings.CutPrefix(r.URL, SensitiveStorePrefix); ok {
			if !hexid.Valid(sum) {
				return fmt.Errorf("stores.%s: url %q is not %s and a 64-digit hex digest", name, termtext.Truncate(r.URL, 80), SensitiveStorePrefix)
			}
			continue
		}
		id, secrets, err := bloburl.Identity(r.URL)
		if err != nil || secrets || id != r.URL {
			return fmt.Errorf("stores.%s: url %q is not a store identity (one spelling per place, no credentials)", name, termtext.Truncate(bloburl.Redact(r.URL), 80))
		}
	}
	return nil
}
