package bufpool

import (
	"context"
	"errors"
	"testing"
)

const size = 1 << 20

// full reports whether Get would wait: with every buffer out, only the
// canceled context is ready.
func full(p *Pool) bool {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	b, err := p.Get(ctx)
	if err == nil {
		p.Put(b)
		return false
	}
	return errors.Is(err, context.Canceled)
}

func get(t *testing.T, p *Pool) []byte {
	t.Helper()
	b, err := p.Get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != 0 || cap(b) != size {
		t.Fatalf("Get: len %d cap %d, want 0 and %d", len(b), cap(b), size)
	}
	b = b[:size] // every byte is usable memory
	b[0], b[size-1] = 1, 2
	return b[:0]
}

func TestLimit(t *testing.T) {
	p := New(size, 2, nil)
	defer p.Close()
	if p.Size() != size {
		t.Fatalf("Size() = %d", p.Size())
	}
	a, b := get(t, p), get(t, p)
	if !full(p) {
		t.Fatal("a third buffer was handed out with limit 2")
	}
	// A waiting Get gets the buffer put back, the same memory.
	got := make(chan []byte)
	wait := func() {
		b, err := p.Get(context.Background())
		if err != nil {
			b = nil
		}
		got <- b
	}
	go wait()
	p.Put(a)
	if c := <-got; c == nil || &c[:1][0] != &a[:1][0] {
		t.Error("the buffer put back was not reused")
	}
	// An abandoned buffer frees its place but is never handed out again.
	go wait()
	p.Abandon()
	if c := <-got; c == nil || &c[:1][0] == &b[:1][0] {
		t.Error("an abandoned buffer was handed out again (or none)")
	}
	if !full(p) {
		t.Fatal("limit not kept after Abandon")
	}
}

func TestClose(t *testing.T) {
	p := New(size, 3, nil)
	bufs := [][]byte{get(t, p), get(t, p), get(t, p)}
	for _, b := range bufs[:2] {
		p.Put(b)
	}
	p.Close() // releases the two idle buffers; the one in use stays valid
	bufs[2] = bufs[2][:size]
	bufs[2][size-1] = 3
	p.Put(bufs[2][:0])
	for range 3 {
		get(t, p) // new buffers where the idle ones were released
	}
	if !full(p) {
		t.Fatal("limit not kept after Close")
	}
	p.Close()
}

// TestOffHeap: what the pool reports held outside the heap is what its
// mapped buffers hold in memory: the most written of each (Touched), from
// then until the buffer is unmapped, through Put and Get in between; an
// abandoned buffer (still mapped) counts on.
func TestOffHeap(t *testing.T) {
	probe, mapped := alloc(4096) // buffers are mapped on Unix only
	free(probe)
	var held int64
	p := New(size, 3, func(d int64) { held += d })
	want := func(n int, when string) {
		t.Helper()
		if !mapped {
			n = 0
		}
		if held != int64(n) {
			t.Fatalf("%s: %d bytes reported held, want %d", when, held, n)
		}
	}
	a, b, c := get(t, p), get(t, p), get(t, p)
	want(0, "three buffers, nothing written")
	p.Touched(a, 4096)
	p.Touched(b, size)
	p.Touched(a, 100) // less than before: no change
	want(4096+size, "written")
	p.Touched(c, 2*size) // more than the buffer: its size
	want(4096+2*size, "one written past its end")
	p.Put(a)
	p.Put(b)
	want(4096+2*size, "two idle")
	again := get(t, p) // an idle buffer, its pages still in memory
	p.Touched(again, 10)
	want(4096+2*size, "an idle buffer reused")
	p.Put(again)
	p.Close()
	want(size, "after Close: the one in use")
	p.Abandon()
	want(size, "after Abandon")
	d := get(t, p)
	p.Touched(d, 8192)
	want(size+8192, "a new buffer in the abandoned one's place")
	p.Put(d)
	p.Close()
	want(size, "only the abandoned buffer")
}
