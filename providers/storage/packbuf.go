package storage

// packBufs recycles pack buffers. Pack buffers are the store's only large
// long-lived allocations; on Unix they are mapped outside the Go heap
// (packbuf_unix.go), so the garbage collector's heap goal (twice the live
// heap) does not double them: peak memory stays near (uploads+2) packs
// plus a small heap, however many files go in.
type packBufs struct {
	size int
	free chan []byte
}

func newPackBufs(size, idle int) *packBufs {
	return &packBufs{size: size, free: make(chan []byte, idle)}
}

// get returns an empty buffer of capacity size.
func (p *packBufs) get() []byte {
	select {
	case b := <-p.free:
		return b[:0]
	default:
		return allocPackBuf(p.size)[:0]
	}
}

// put recycles b, which must be a slice returned by get (not one that
// append has moved elsewhere: callers keep the original).
func (p *packBufs) put(b []byte) {
	select {
	case p.free <- b:
	default:
		freePackBuf(b)
	}
}

// close releases the idle buffers.
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
