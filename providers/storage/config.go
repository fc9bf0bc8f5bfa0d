package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/mlform/mlform/providers/storage/chunker"

	"github.com/mlform/mlform/providers/storage/storedoc"
)

// FormatVersion is the store format this build reads and writes. A store
// whose config names a greater version is refused.
const FormatVersion = 1

// Chunker parameters (providers/storage/chunker): part of the store
// format, recorded in the store's config object.
const (
	ChunkAlgorithm = chunker.Algorithm
	ChunkMinSize   = chunker.MinSize
	ChunkAvgSize   = chunker.AvgSize
	ChunkMaxSize   = chunker.MaxSize
	HashAlgorithm  = "blake3-256"
)

// ChunkerConfig and Config are the store's config document (storedoc).
type (
	ChunkerConfig = storedoc.ChunkerConfig
	Config        = storedoc.Config
)

// currentConfig is the config this build writes.
func currentConfig() Config {
	return Config{
		Format:  storedoc.StoreFormat,
		Version: FormatVersion,
		Chunker: ChunkerConfig{Algorithm: ChunkAlgorithm, MinSize: ChunkMinSize, AvgSize: ChunkAvgSize, MaxSize: ChunkMaxSize},
		Hash:    HashAlgorithm,
	}
}

// loadConfig reads the store config, creating it when the store is new.
// Creation is a conditional write, so two processes creating the same store
// at once both end up reading the one config that won.
//
// Without create, a store with no config is not created: ErrNoStore.
func loadConfig(ctx context.Context, o objects, create bool) (Config, error) {
	for attempt := 0; attempt < 2; attempt++ {
		data, err := o.Get(ctx, configKey)
		if err == nil {
			c, err := storedoc.DecodeConfig(data)
			if err != nil {
				return c, err
			}
			return c, storedoc.CheckConfig(c, currentConfig())
		}
		if !errors.Is(err, ErrNotFound) {
			return Config{}, fmt.Errorf("read store config: %w", err)
		}
		if !create {
			return Config{}, ErrNoStore
		}
		c := currentConfig()
		err = o.Put(ctx, configKey, bytes.NewReader(storedoc.EncodeConfig(c)), true)
		if err == nil {
			return c, nil
		}
		if !errors.Is(err, errExists) {
			return Config{}, fmt.Errorf("create store config: %w", err)
		}
	}
	return Config{}, errors.New("store config: created concurrently but cannot be read")
}
