// Package bufpool hands out large buffers of one size, at most a given
// number at a time: Get blocks until one is returned, which bounds memory
// however fast work arrives. The store's pack buffers are its only large
// long-lived allocations; on Unix the buffers are mapped outside the Go
// heap (mmap_unix.go), so the garbage collector's heap goal (twice the live
// heap) does not double them; New's offHeap hook lets the process count
// what they hold in memory in its budget instead (Touched).
package bufpool

import (
	"context"
	"sync"
	"unsafe"
)

// Pool hands out buffers of capacity Size, at most limit at a time.
type Pool struct {
	size int
	sem  chan struct{} // one token per buffer handed out
	free chan []byte   // idle buffers
	// offHeap is told of the bytes mapped buffers hold in memory.
	offHeap func(int64)
	mu      sync.Mutex
	// touched holds, for each mapped buffer (by its first byte), how
	// many of its bytes offHeap was told of: the most written (Touched).
	touched map[*byte]int64
}

// New returns a pool of buffers of capacity size, at most limit out at a
// time. offHeap, when not nil, is told (delta bytes) of the memory the
// buffers mapped outside the Go heap hold: what Touched says was written,
// as the kernel provides a mapping's pages only once they are written,
// and minus as much when a buffer is unmapped.
func New(size, limit int, offHeap func(delta int64)) *Pool {
	if offHeap == nil {
		offHeap = func(int64) {}
	}
	return &Pool{size: size, sem: make(chan struct{}, limit), free: make(chan []byte, limit), offHeap: offHeap, touched: map[*byte]int64{}}
}

// Size is the capacity of every buffer of the pool.
func (p *Pool) Size() int { return p.size }

// Get returns an empty buffer of capacity Size, waiting while limit
// buffers are out.
func (p *Pool) Get(ctx context.Context) ([]byte, error) {
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case b := <-p.free:
		return b[:0], nil
	default:
		b, mapped := alloc(p.size)
		if mapped {
			p.mu.Lock()
			p.touched[first(b)] = 0
			p.mu.Unlock()
		}
		return b[:0], nil
	}
}

// Put takes back b, which must be a slice returned by Get (not one that
// append has moved elsewhere: callers keep the original).
func (p *Pool) Put(b []byte) {
	select {
	case p.free <- b:
	default:
		p.release(b)
	}
	<-p.sem
}

// Abandon gives up a buffer that may still be referenced (a failed upload):
// its memory is left alone, and another may be allocated in its place.
func (p *Pool) Abandon() {
	<-p.sem
}

// Close releases the idle buffers. Buffers in use stay valid; once put
// back they wait in the free list for reuse or a later Close.
func (p *Pool) Close() {
	for {
		select {
		case b := <-p.free:
			p.release(b)
		default:
			return
		}
	}
}

// Touched records that the first n bytes of b, a buffer from Get, have
// been written: those pages now take memory, and stay in it (through Put
// and Get again) until the buffer is unmapped.
func (p *Pool) Touched(b []byte, n int) {
	p.mu.Lock()
	old, mapped := p.touched[first(b)]
	grow := int64(min(n, cap(b))) - old
	if mapped && grow > 0 {
		p.touched[first(b)] = old + grow
	}
	p.mu.Unlock()
	if mapped && grow > 0 {
		p.offHeap(grow)
	}
}

// release frees b, telling offHeap what it held if it was mapped.
func (p *Pool) release(b []byte) {
	p.mu.Lock()
	held := p.touched[first(b)]
	delete(p.touched, first(b))
	p.mu.Unlock()
	free(b)
	if held > 0 {
		p.offHeap(-held)
	}
}

// first identifies a buffer by its first byte, whatever its length.
func first(b []byte) *byte { return unsafe.SliceData(b[:cap(b)]) }
