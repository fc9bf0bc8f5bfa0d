package observe

import (
	"context"
	"fmt"

	"github.com/mlform/mlform/planner/profile"
)

func errorf(path string, err error) error { return fmt.Errorf("hash %s: %w", path, err) }

// result assembles the Observation, reusing the cached manifest id and
// merged profile when every file was fresh in the cache.
func (s *scan) result(ctx context.Context, cache *cacheFile) (*Observation, error) {
	obs := &Observation{Files: s.files, Hashed: int(s.hashedCount.Load())}
	obs.Cached = len(s.files) - obs.Hashed
	for i := range s.files {
		obs.Bytes += s.files[i].Size
	}
	if s.cachedAll && cache.LastID != "" {
		obs.ID = cache.LastID
	} else {
		obs.ID = s.opts.ManifestID(s.files)
	}
	if len(s.opts.StatsColumns) == 0 {
		return obs, nil
	}
	if s.cachedAll && s.colsSame && len(cache.LastProfile) > 0 {
		if p, err := profile.Decode(cache.LastProfile); err == nil {
			obs.Profile = p
			return obs, nil
		}
	}
	merged := profile.New(s.opts.StatsColumns)
	for i := range s.entries {
		if !s.profiled(s.entries[i].Path) {
			continue
		}
		p := s.profs[i]
		if p == nil {
			var err error
			if p, err = profile.Decode(s.raw[i]); err != nil {
				// The cached per-file profile is unusable: read the file again.
				if err := s.hashOne(ctx, i); err != nil {
					return nil, err
				}
				obs.Hashed++
				obs.Cached--
				p = s.profs[i]
			}
		}
		merged.Merge(p)
	}
	obs.Profile = merged
	return obs, nil
}

// cacheChanged reports whether the cache must be rewritten.
func (s *scan) cacheChanged(cache *cacheFile, obs *Observation) bool {
	if cache == nil || !s.cachedAll || obs.Hashed > 0 || cache.LastID != obs.ID {
		return true
	}
	return len(s.opts.StatsColumns) > 0 && (!s.colsSame || len(cache.LastProfile) == 0)
}

// newCache builds the cache of this scan.
func (s *scan) newCache(scanStart int64, obs *Observation) *cacheFile {
	c := &cacheFile{
		HashID:      s.opts.HashID,
		Source:      s.src.String(),
		Columns:     s.opts.StatsColumns,
		ScanStartNs: scanStart,
		LastID:      obs.ID,
		Entries:     make([]cacheEntry, 0, len(s.entries)),
	}
	if obs.Profile != nil {
		c.LastProfile, _ = profile.Encode(obs.Profile)
	}
	for i := range s.entries {
		e := &s.entries[i]
		if s.files[i].Size != e.Size {
			continue // changed while being read: never trust this pairing
		}
		c.Entries = append(c.Entries, cacheEntry{
			Path: e.Path, Size: e.Size, MtimeNs: e.MtimeNs, Ctime: e.CtimeNs,
			Inode: e.Inode, Dev: e.Dev, Mode: uint32(e.Mode.Perm()), Digest: e.Digest,
			File: s.files[i], Profile: s.raw[i],
		})
	}
	return c
}
