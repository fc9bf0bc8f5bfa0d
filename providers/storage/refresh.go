package storage

import (
	"context"
	"fmt"
	"time"
)

// Refresh loads the index objects another Store wrote to the bucket since
// this one was opened (a remote step's runner on a cluster node stores the
// outputs the controlling apply then reads), so their chunks can be read
// and are not stored again. Index objects already loaded are skipped.
func (s *Store) Refresh(ctx context.Context) error {
	var fresh []string
	err := s.o.List(ctx, indexPrefix, func(key string, _ int64, _ time.Time) error {
		id, ok := idFromKey(indexPrefix, key)
		if !ok {
			return nil // not ours; Check reports it
		}
		s.idx.mu.RLock()
		known := s.idx.objects[id]
		s.idx.mu.RUnlock()
		if !known {
			fresh = append(fresh, id)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("refresh index: %w", err)
	}
	for _, id := range fresh {
		entries, err := readIndexObject(ctx, s.o, id)
		if err != nil {
			return fmt.Errorf("refresh index: %w", err)
		}
		s.idx.add(id, entries)
	}
	return nil
}
