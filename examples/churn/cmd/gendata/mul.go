package main

import "math/bits"

// mul128 returns the low 128 bits of (ahi:alo) * (bhi:blo).
func mul128(ahi, alo, bhi, blo uint64) (hi, lo uint64) {
	hi, lo = bits.Mul64(alo, blo)
	hi += ahi*blo + alo*bhi
	return hi, lo
}

func add64(a, b uint64) (sum, carry uint64) { return bits.Add64(a, b, 0) }
