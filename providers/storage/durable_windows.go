package storage

// syncDir is a no-op on Windows, where mlform's local store is not
// claimed to survive a power loss (docs/storage.md).
func syncDir(string) error { return nil }

// writeback is a no-op here, as syncDir is.
func writeback(string) {}
