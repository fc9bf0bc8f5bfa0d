// Package storekeys names the keys a store owns under its place (the
// directory or key prefix of a storage url): providers/storage writes,
// lists and deletes them, and config refuses a place that would put
// another store's, the state's or a dataset's keys among them. Every
// other key under a store's place is left alone.
package storekeys

import "strings"

// The keys and key prefixes a store owns, relative to its place.
const (
	Config    = "config"
	Packs     = "data/"
	Indexes   = "index/"
	Manifests = "manifests/"
	Objects   = "objects/"
	Roots     = "roots/"
	Locks     = "locks/"
)

// Owned reports whether the key or directory rel (relative to a store's
// place, "/"-separated) is one the store owns or lies under one: its first
// element names the store's config or one of its prefixes. "" (the place
// itself) holds them all.
func Owned(rel string) bool {
	first, _, _ := strings.Cut(strings.TrimPrefix(rel, "/"), "/")
	if first == "" {
		return true
	}
	for _, k := range []string{Config, Packs, Indexes, Manifests, Objects, Roots, Locks} {
		if first == strings.TrimSuffix(k, "/") {
			return true
		}
	}
	return false
}
