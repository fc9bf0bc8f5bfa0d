package procid

import (
	"os"
	"strings"
	"sync"
)

// Boot names the running kernel: its boot id (Linux,
// /proc/sys/kernel/random/boot_id: random per boot, shared by every
// container on that kernel), or "" where it cannot be read.
//
// Host alone does not tell machines apart: cloned VMs, containers given one
// --hostname on several machines and pods of the same name in two clusters
// all report the same name, and their initial (or first container) pid
// namespaces the same inode. A holder recorded on another machine with this
// host name would be judged by a pid that means nothing here, and what it
// holds (a store lock) removed while it runs. Records that carry Boot are
// judged by pid only when it is this kernel's.
func Boot() string {
	bootOnce.Do(func() {
		b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
		if err != nil {
			return
		}
		id := strings.TrimSpace(string(b))
		if ValidBoot(id) {
			boot = id
		}
	})
	return boot
}

var (
	bootOnce sync.Once
	boot     string
)

// ValidBoot accepts what Boot returns: 1 to 64 lowercase hex digits and
// dashes.
func ValidBoot(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') && c != '-' {
			return false
		}
	}
	return true
}

// SameKernel reports whether a record made on host with boot id b (""
// when the record predates boot ids) was made by a process of this
// kernel and pid namespace, so that its pid can be checked here.
func SameKernel(host, b string) bool {
	if host != Host() {
		return false
	}
	if b == "" {
		return true // an older record: the host name is all it has
	}
	return b == Boot()
}
