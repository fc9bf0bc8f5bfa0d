package storage

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"

	"gocloud.dev/blob/memblob"
)

// orderObjects records the order of pack writes, index writes and syncs.
type orderObjects struct {
	objects
	mu  sync.Mutex
	ops []string
}

func (o *orderObjects) Put(ctx context.Context, key string, r io.Reader, ifNotExist bool) error {
	err := o.objects.Put(ctx, key, r, ifNotExist)
	o.mu.Lock()
	defer o.mu.Unlock()
	switch {
	case strings.HasPrefix(key, packPrefix):
		o.ops = append(o.ops, "pack")
	case strings.HasPrefix(key, indexPrefix):
		o.ops = append(o.ops, "index")
	}
	return err
}

func (o *orderObjects) sync(context.Context) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.ops = append(o.ops, "sync")
	return nil
}

// TestIndexWrittenAfterPacksAreDurable: every index object is written
// after a sync that follows the last pack it could name, so a power loss
// cannot leave an index naming chunks that never reached the disk; a
// store without a barrier (cloud) is not asked for one.
func TestIndexWrittenAfterPacksAreDurable(t *testing.T) {
	tests := []struct {
		name  string
		files int
		size  int
	}{
		{"one small file", 1, 100},
		{"several packs", 3, 3 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			b := memblob.OpenBucket(nil)
			defer b.Close()
			o := &orderObjects{objects: bucketObjects{b: b}}
			s := openStore(t, o, Options{PackSize: 1 << 20})
			for i := range tt.files {
				if _, err := s.PutFile(ctx, bytes.NewReader(testData(uint64(i+1), tt.size))); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			pending, indexes := false, 0
			for _, op := range o.ops {
				switch op {
				case "pack":
					pending = true
				case "sync":
					pending = false
				case "index":
					indexes++
					if pending {
						t.Fatalf("an index was written before the packs before it were synced: %v", o.ops)
					}
				}
			}
			if indexes == 0 {
				t.Fatalf("no index written: %v", o.ops)
			}
		})
	}
	// bucketObjects of a cloud bucket has no directory: Sync does nothing.
	if err := (bucketObjects{}).sync(context.Background()); err != nil {
		t.Errorf("sync of a store with no directory: %v", err)
	}
}
