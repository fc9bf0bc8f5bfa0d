package observe

import "github.com/mlform/mlform/providers/storage/manifest"

// File and Chunk are the store's types: an observation's files are what
// apply stores and what the snapshot manifest lists.
type (
	File  = manifest.File
	Chunk = manifest.Chunk
)

// snapshotID is the default Options.ManifestID: the id of the snapshot
// manifest the store will write for files.
func snapshotID(files []File) string {
	return manifest.ID(&manifest.Manifest{Kind: manifest.KindSnapshot, Files: files})
}
