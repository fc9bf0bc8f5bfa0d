package storage

import "context"

// A local store (file://) writes through the operating system's page
// cache: fileblob renames a finished object into place without fsync, so
// after a power loss an index or a state could name a pack that never
// reached the disk, and a later snapshot would skip uploading chunks the
// index claims are stored. Like restic, the store makes what it wrote
// durable before anything names it: before each index object (the packs
// it indexes) and, through Store.Sync, before the state write that first
// references new ids (planner/engine's root guard). Cloud stores are
// durable once a write returns.

// syncer is an objects implementation whose writes need an explicit
// barrier to be durable.
type syncer interface {
	sync(ctx context.Context) error
}

// Sync makes every object this store has written durable: a no-op on
// cloud stores, a file-system sync on a local one. Call it before a state
// write that references what the store just wrote.
func (s *Store) Sync(ctx context.Context) error {
	return syncObjects(ctx, s.o)
}

func syncObjects(ctx context.Context, o objects) error {
	if sy, ok := o.(syncer); ok {
		return sy.sync(ctx)
	}
	return nil
}

func (o bucketObjects) sync(ctx context.Context) error {
	if o.dir == "" {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return syncDir(o.dir)
}
