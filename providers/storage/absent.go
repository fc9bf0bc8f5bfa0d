package storage

import (
	"context"
	"fmt"
	"io"
	"time"
)

// absentObjects are the objects of a store that does not exist yet,
// opened with Options.NoCreate: nothing to read, and every write refused
// with ErrNoStore, so a read-only command cannot create the store. inner
// is the bucket it was found missing in (nil: a local directory that does
// not exist), only closed.
type absentObjects struct {
	inner objects
}

func (absentObjects) Get(_ context.Context, key string) ([]byte, error) {
	return nil, fmt.Errorf("%s: %w", key, ErrNotFound)
}

func (absentObjects) GetRange(_ context.Context, key string, _, _ int64) (io.ReadCloser, error) {
	return nil, fmt.Errorf("%s: %w", key, ErrNotFound)
}

func (absentObjects) Put(_ context.Context, key string, _ io.Reader, _ bool) error {
	return fmt.Errorf("write %s: %w", key, ErrNoStore)
}

func (absentObjects) List(context.Context, string, func(string, int64, time.Time) error) error {
	return nil
}

func (absentObjects) Size(_ context.Context, key string) (int64, error) {
	return 0, fmt.Errorf("%s: %w", key, ErrNotFound)
}

func (absentObjects) Delete(_ context.Context, key string) error {
	return fmt.Errorf("delete %s: %w", key, ErrNoStore)
}

func (o absentObjects) Close() error {
	if o.inner == nil {
		return nil
	}
	return o.inner.Close()
}
