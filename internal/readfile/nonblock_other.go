//go:build !unix

package readfile

// nonBlock is zero where there are no FIFOs to block on.
const nonBlock = 0
