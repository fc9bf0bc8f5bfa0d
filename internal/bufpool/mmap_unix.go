//go:build unix

package bufpool

import "syscall"

// alloc maps n bytes of anonymous memory; the kernel provides pages as
// they are touched. It falls back to the heap if mapping fails; mapped
// says which.
func alloc(n int) (b []byte, mapped bool) {
	b, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return make([]byte, n), false
	}
	return b, true
}

// free unmaps a buffer from alloc and reports whether it did. A heap
// fallback buffer is refused by Munmap (EINVAL) and left to the garbage
// collector.
func free(b []byte) bool {
	return syscall.Munmap(b[:cap(b)]) == nil
}
