package observe

// File and Chunk mirror storage.File and storage.Chunk from the contract in
// docs/internals.md. TODO(switch): become aliases of the storage types once
// providers/storage lands.
type File struct {
	Path   string
	Size   int64
	Hash   string
	Mode   uint32
	Chunks []Chunk
}

// Chunk is one content-defined chunk of a file.
type Chunk struct {
	ID   string
	Size uint32
}
