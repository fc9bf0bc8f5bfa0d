//go:build unix

package storage

import "syscall"

// allocPackBuf maps n bytes of anonymous memory; the kernel provides pages
// as they are touched. It falls back to the heap if mapping fails.
func allocPackBuf(n int) []byte {
	b, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return make([]byte, n)
	}
	return b
}

// freePackBuf unmaps a buffer from allocPackBuf. A heap fallback buffer is
// refused by Munmap (EINVAL) and left to the garbage collector.
func freePackBuf(b []byte) {
	_ = syscall.Munmap(b[:cap(b)])
}
