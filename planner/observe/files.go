package observe

import "github.com/mlform/mlform/providers/storage"

// File and Chunk are the store's types: an observation's files are what
// apply stores and what the snapshot manifest lists.
type (
	File  = storage.File
	Chunk = storage.Chunk
)

// snapshotID is the default Options.ManifestID: the id of the snapshot
// manifest the store will write for files.
func snapshotID(files []File) string {
	return storage.ManifestID(&storage.Manifest{Kind: storage.KindSnapshot, Files: files})
}
