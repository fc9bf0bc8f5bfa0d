package storage

import "context"

// packBufs hands out pack buffers, at most limit at a time: get blocks
// until one is returned, which bounds memory however fast files arrive.
// Pack buffers are the store's only large long-lived allocations; on Unix
// they are mapped outside the Go heap (packbuf_unix.go), so the garbage
// collector's heap goal (twice the live heap) does not double them.
type packBufs struct {
	size int
	sem  chan struct{} // one token per buffer handed out
	free chan []byte   // idle buffers
}

func newPackBufs(size, limit int) *packBufs {
	return &packBufs{size: size, sem: make(chan struct{}, limit), free: make(chan []byte, limit)}
}

// get returns an empty buffer of capacity size, waiting while limit
// buffers are out.
func (p *packBufs) get(ctx context.Context) ([]byte, error) {
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case b := <-p.free:
		return b[:0], nil
	default:
		return allocPackBuf(p.size)[:0], nil
	}
}

// put takes back b, which must be a slice returned by get (not one that
// append has moved elsewhere: callers keep the original).
func (p *packBufs) put(b []byte) {
	select {
	case p.free <- b:
	default:
		freePackBuf(b)
	}
	<-p.sem
}

// abandon gives up a buffer that may still be referenced (a failed upload):
// its memory is left alone, and another may be allocated in its place.
func (p *packBufs) abandon() {
	<-p.sem
}

// close releases the idle buffers. Buffers in use stay valid; once put
// back they wait in the free list for reuse or a later close.
func (p *packBufs) close() {
	for {
		select {
		case b := <-p.free:
			freePackBuf(b)
		default:
			return
		}
	}
}
