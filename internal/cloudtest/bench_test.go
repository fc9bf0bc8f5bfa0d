package cloudtest

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"gocloud.dev/blob"
)

// BenchmarkUploadPack measures writing one 16 MiB pack (the store's
// default pack size) with a conditional create, the way the store seals a
// pack, on each test server.
func BenchmarkUploadPack(b *testing.B) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 1<<20)
	for _, c := range Clouds() {
		b.Run(c.Name, func(b *testing.B) {
			bucket := openBucket(b, c)
			ctx := context.Background()
			b.SetBytes(int64(len(data)))
			for i := 0; b.Loop(); i++ {
				err := bucket.Upload(ctx, fmt.Sprintf("data/%08d", i), bytes.NewReader(data),
					&blob.WriterOptions{ContentType: "application/octet-stream", IfNotExist: true})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLockCycle measures one lock taken and released: a conditional
// create of a small object and its delete, the floor under every
// state-changing command.
func BenchmarkLockCycle(b *testing.B) {
	for _, c := range Clouds() {
		b.Run(c.Name, func(b *testing.B) {
			bucket := openBucket(b, c)
			ctx := context.Background()
			info := []byte(`{"id":"bench","operation":"apply"}`)
			for b.Loop() {
				err := bucket.Upload(ctx, "state.lock", bytes.NewReader(info),
					&blob.WriterOptions{ContentType: "application/json", IfNotExist: true})
				if err != nil {
					b.Fatal(err)
				}
				if err := bucket.Delete(ctx, "state.lock"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
