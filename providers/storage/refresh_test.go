package storage

import (
	"bytes"
	"context"
	"io"
	"testing"
)

// A second Store on the same bucket writes a file; the first reads it only
// after Refresh.
func TestRefreshSeesOtherWriters(t *testing.T) {
	ctx := context.Background()
	url := "file://" + t.TempDir()
	reader, err := Open(ctx, url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	writer, err := Open(ctx, url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("remote step output\n"), 1000)
	f, err := writer.PutFile(ctx, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if err := writer.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	writer.Close()
	if r, err := reader.OpenFile(ctx, f); err == nil {
		_, err = io.ReadAll(r)
		r.Close()
		if err == nil {
			t.Fatal("read a chunk the reader's index cannot know yet")
		}
	}
	for i := 0; i < 2; i++ { // twice: already loaded objects are skipped
		if err := reader.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
	}
	r, err := reader.OpenFile(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("after Refresh: %d bytes, %v", len(got), err)
	}
}
