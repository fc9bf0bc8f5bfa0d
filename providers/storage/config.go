package storage

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/mlform/mlform/internal/termtext"
)

// FormatVersion is the store format this build reads and writes. A store
// whose config names a greater version is refused.
const FormatVersion = 1

// Chunker parameters. They are part of the store format: chunk boundaries,
// and so chunk ids and dedupe, depend on them. They are recorded in the
// store's config object and a store recorded with others is refused.
const (
	// FastCDC's normal size is a target, not the mean: with min 640 KiB and
	// normal 768 KiB, chunks average about 0.85 MiB on random data, and the
	// gear hash skips the first 640 KiB of every chunk. Measured here (one
	// core, 256 MiB random): 1.8 GB/s against 1.0 GB/s for 256K/1M/4M, with
	// the same resynchronisation after an insert (2-4 MiB of new chunks).
	ChunkAlgorithm = "fastcdc-v1.0.0"
	ChunkMinSize   = 640 << 10
	ChunkAvgSize   = 768 << 10
	ChunkMaxSize   = 4 << 20
	HashAlgorithm  = "blake3-256"
	storeFormat    = "mlform-store"
)

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

// currentConfig is the config this build writes.
func currentConfig() Config {
	return Config{
		Format:  storeFormat,
		Version: FormatVersion,
		Chunker: ChunkerConfig{Algorithm: ChunkAlgorithm, MinSize: ChunkMinSize, AvgSize: ChunkAvgSize, MaxSize: ChunkMaxSize},
		Hash:    HashAlgorithm,
	}
}

func encodeConfig(c Config) []byte {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		panic(err) // plain struct: cannot fail
	}
	return append(b, '\n')
}

// decodeConfig parses a config object. It only parses; compatibility is
// checkConfig's job.
func decodeConfig(data []byte) (Config, error) {
	var c Config
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("store config is not valid JSON: %w", err)
	}
	if dec.More() {
		return c, errors.New("store config has trailing data after the JSON object")
	}
	return c, nil
}

// checkConfig refuses any config this build cannot use without changing
// chunk boundaries or misreading objects.
func checkConfig(c Config) error {
	want := currentConfig()
	switch {
	case c.Format != storeFormat:
		return fmt.Errorf("store config: format %q is not an mlform store (want %q)", termtext.Truncate(c.Format, 40), storeFormat)
	case c.Version > FormatVersion:
		return fmt.Errorf("store config: format version %d is newer than this mlform supports (%d); upgrade mlform", c.Version, FormatVersion)
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

// loadConfig reads the store config, creating it when the store is new.
// Creation is a conditional write, so two processes creating the same store
// at once both end up reading the one config that won.
func loadConfig(ctx context.Context, o objects) (Config, error) {
	for attempt := 0; attempt < 2; attempt++ {
		data, err := o.Get(ctx, configKey)
		if err == nil {
			c, err := decodeConfig(data)
			if err != nil {
				return c, err
			}
			return c, checkConfig(c)
		}
		if !errors.Is(err, ErrNotFound) {
			return Config{}, fmt.Errorf("read store config: %w", err)
		}
		c := currentConfig()
		err = o.Put(ctx, configKey, bytes.NewReader(encodeConfig(c)), true)
		if err == nil {
			return c, nil
		}
		if !errors.Is(err, errExists) {
			return Config{}, fmt.Errorf("create store config: %w", err)
		}
	}
	return Config{}, errors.New("store config: created concurrently but cannot be read")
}
