//go:build !linux

package procid

// pidNamespace: pid namespaces are Linux's.
func pidNamespace() string { return "" }
