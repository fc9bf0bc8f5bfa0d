//go:build !unix

package storage

func allocPackBuf(n int) []byte { return make([]byte, n) }

func freePackBuf([]byte) {}
