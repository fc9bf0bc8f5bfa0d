package procid

import (
	"os"
	"strings"
)

// initPidNamespace is the inode of the initial pid namespace, the same on
// every Linux kernel (the kernel's PROC_PID_INIT_INO).
const initPidNamespace = "4026531836"

// pidNamespace is the inode of this process's pid namespace when it is not
// the initial one, else "" (also when /proc cannot tell).
func pidNamespace() string {
	link, err := os.Readlink("/proc/self/ns/pid")
	if err != nil {
		return ""
	}
	return nsInode(link)
}

// nsInode reads "pid:[INODE]", returning "" for the initial namespace or
// anything else.
func nsInode(link string) string {
	ino, okPrefix := strings.CutPrefix(link, "pid:[")
	ino, okSuffix := strings.CutSuffix(ino, "]")
	if !okPrefix || !okSuffix || ino == "" || ino == initPidNamespace {
		return ""
	}
	for _, c := range ino {
		if c < '0' || c > '9' {
			return ""
		}
	}
	return ino
}
