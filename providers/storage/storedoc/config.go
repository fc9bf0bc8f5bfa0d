package storedoc

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/mlform/mlform/internal/strictjson"
	"github.com/mlform/mlform/internal/termtext"
)

// StoreFormat marks a store's config object.
const StoreFormat = "mlform-store"

// ChunkerConfig names the content-defined chunking of a store.
type ChunkerConfig struct {
	Algorithm string `json:"algorithm"`
	MinSize   int    `json:"min_size"`
	AvgSize   int    `json:"avg_size"`
	MaxSize   int    `json:"max_size"`
}

// Config is the store's own config object, written once when the store is
// created and checked on every Open.
type Config struct {
	Format  string        `json:"format"`
	Version int           `json:"version"`
	Chunker ChunkerConfig `json:"chunker"`
	Hash    string        `json:"hash"`
}

// EncodeConfig returns the config object content of c.
func EncodeConfig(c Config) []byte {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		panic(err) // plain struct: cannot fail
	}
	return append(b, '\n')
}

// DecodeConfig parses a config object. It only parses; compatibility is
// CheckConfig's job.
func DecodeConfig(data []byte) (Config, error) {
	var c Config
	// Unknown members are allowed: CheckConfig decides what a newer
	// store's config means for this build.
	err := strictjson.Unmarshal(data, &c, 0)
	switch {
	case errors.Is(err, strictjson.ErrTrailingData):
		return c, errors.New("store config has trailing data after the JSON object")
	case err != nil:
		return c, fmt.Errorf("store config is not valid JSON: %w", err)
	}
	return c, nil
}

// CheckConfig refuses a config c that a build writing want cannot use
// without changing chunk boundaries or misreading objects: another format
// or hash, a newer version, other chunking.
func CheckConfig(c, want Config) error {
	switch {
	case c.Format != want.Format:
		return fmt.Errorf("store config: format %q is not an mlform store (want %q)", termtext.Truncate(c.Format, 40), want.Format)
	case c.Version > want.Version:
		return fmt.Errorf("store config: format version %d is newer than this mlform supports (%d); upgrade mlform", c.Version, want.Version)
	case c.Version < 1:
		return fmt.Errorf("store config: invalid format version %d", c.Version)
	case c.Hash != want.Hash:
		return fmt.Errorf("store config: hash %q is not supported (this mlform uses %q)", termtext.Truncate(c.Hash, 40), want.Hash)
	case c.Chunker.Algorithm != want.Chunker.Algorithm:
		return fmt.Errorf("store config: chunking algorithm %q is not supported (this mlform uses %q); the store would be re-chunked, so it is refused", termtext.Truncate(c.Chunker.Algorithm, 40), want.Chunker.Algorithm)
	case c.Chunker != want.Chunker:
		return fmt.Errorf("store config: chunker parameters min=%d avg=%d max=%d differ from this mlform's min=%d avg=%d max=%d; the store would be re-chunked, so it is refused",
			c.Chunker.MinSize, c.Chunker.AvgSize, c.Chunker.MaxSize, want.Chunker.MinSize, want.Chunker.AvgSize, want.Chunker.MaxSize)
	}
	return nil
}
