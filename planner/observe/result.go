package observe

import (
	"context"
	"fmt"
	"math"

	"github.com/mlform/mlform/planner/observe/statcache"
	"github.com/mlform/mlform/planner/profile"
)

func errorf(path string, err error) error { return fmt.Errorf("hash %s: %w", path, err) }

// result assembles the Observation, reusing the cached manifest id and
// merged profile when every file was fresh in the cache.
func (s *scan) result(ctx context.Context, cache *statcache.Cache) (*Observation, error) {
	obs := &Observation{Files: s.files}
	if len(s.opts.StatsColumns) > 0 {
		p, err := s.profile(ctx, cache)
		if err != nil {
			return nil, err
		}
		obs.Profile = p
	}
	// After profiling: a part read again updates its file too.
	obs.Hashed = int(s.hashedCount.Load())
	obs.Cached = len(s.files) - obs.Hashed
	for i := range s.files {
		obs.Bytes += s.files[i].Size
	}
	if s.cachedAll && !s.oldModes && obs.Hashed == 0 && cache.LastID != "" {
		obs.ID = cache.LastID
	} else {
		obs.ID = s.opts.ManifestID(s.files)
	}
	return obs, nil
}

// profile returns the merged column profile: the cached one when nothing
// changed, else the merge of the per-file parts.
func (s *scan) profile(ctx context.Context, cache *statcache.Cache) (*profile.Profile, error) {
	if s.cachedAll && s.colsSame && len(cache.LastProfile) > 0 {
		if p, err := profile.Decode(cache.LastProfile); err == nil {
			return p, nil
		}
	}
	merged, err := s.mergeProfiles(ctx)
	if err != nil {
		return nil, err
	}
	if merged.Exact() {
		return merged, nil
	}
	// Cached parts were cut for a larger dataset than remains: read the
	// files whose parts came from the cache, and merge again.
	for i := range s.entries {
		if s.profiled(s.entries[i].Path) && !s.read[i] {
			if err := s.hashOne(ctx, i); err != nil {
				return nil, err
			}
		}
	}
	return s.mergeProfiles(ctx)
}

// mergeProfiles merges the per-file profiles in path order (so the
// floating-point sums are deterministic). A cached part that does not
// decode is read again from its file.
func (s *scan) mergeProfiles(ctx context.Context) (*profile.Profile, error) {
	merged := profile.New(s.opts.StatsColumns)
	for i := range s.entries {
		if !s.profiled(s.entries[i].Path) {
			continue
		}
		p := s.profs[i]
		if p == nil {
			var err error
			if p, err = profile.Decode(s.raw[i]); err != nil {
				if err := s.hashOne(ctx, i); err != nil {
					return nil, err
				}
				p = s.profs[i]
			} else {
				s.profs[i] = p
			}
		}
		merged.Merge(p)
	}
	return merged, nil
}

// cacheChanged reports whether the cache must be rewritten.
func (s *scan) cacheChanged(cache *statcache.Cache, obs *Observation) bool {
	if cache == nil || !s.cachedAll || obs.Hashed > 0 || cache.LastID != obs.ID {
		return true
	}
	return len(s.opts.StatsColumns) > 0 && (!s.colsSame || len(cache.LastProfile) == 0)
}

// newCache builds the cache of this scan.
func (s *scan) newCache(scanStart int64, obs *Observation) *statcache.Cache {
	c := &statcache.Cache{
		HashID:      s.opts.HashID,
		Source:      sourceName(s.src, s.opts),
		Columns:     s.opts.StatsColumns,
		ScanStartNs: scanStart,
		LastID:      obs.ID,
		Entries:     make([]statcache.Entry, 0, len(s.entries)),
	}
	if obs.Profile != nil {
		c.LastProfile, _ = profile.Encode(obs.Profile)
		s.cutParts(obs.Profile)
	}
	for i := range s.entries {
		e := &s.entries[i]
		var part []byte
		if s.raw != nil {
			part = s.raw[i]
		}
		if s.files[i].Size != e.Size {
			continue // changed while being read: never trust this pairing
		}
		c.Entries = append(c.Entries, statcache.Entry{
			Path: e.Path, Size: e.Size, MtimeNs: e.MtimeNs, Ctime: e.CtimeNs,
			Inode: e.Inode, Dev: e.Dev, Mode: uint32(e.Mode.Perm()), Digest: e.Digest,
			File: s.files[i], Profile: part,
		})
	}
	return c
}

// cutParts truncates every per-file part at twice the merged sample's
// limit before it goes to the cache (the running limits of the scan were
// higher for the first files read), so the cache holds about two samples'
// worth of points per column however many files there are.
func (s *scan) cutParts(merged *profile.Profile) {
	limits := make(map[string]uint64, len(merged.Columns))
	for _, c := range merged.Columns {
		l := uint64(math.MaxUint64)
		if len(c.Sample) == profile.SampleSize && c.SampleLimit < math.MaxUint64/2 {
			l = 2 * c.SampleLimit
		}
		limits[c.Name] = l
	}
	for i, p := range s.profs {
		if p == nil {
			continue
		}
		cut := false
		for _, c := range p.Columns {
			if l, ok := limits[c.Name]; ok && c.SampleLimit > l {
				c.Truncate(l)
				cut = true
			}
		}
		if cut {
			if raw, err := profile.Encode(p); err == nil {
				s.raw[i] = raw
			}
		}
	}
}
