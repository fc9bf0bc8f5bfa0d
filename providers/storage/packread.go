package storage

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/mlform/mlform/providers/storage/packfmt"
)

// readRange reads n bytes of key at off.
func readRange(ctx context.Context, o objects, key string, off, n int64) ([]byte, error) {
	buf := make([]byte, n)
	return buf, readRangeInto(ctx, o, key, off, buf)
}

// readRangeInto fills buf with the bytes of key at off.
func readRangeInto(ctx context.Context, o objects, key string, off int64, buf []byte) error {
	rc, err := o.GetRange(ctx, key, off, int64(len(buf)))
	if err != nil {
		return err
	}
	defer rc.Close()
	if _, err := io.ReadFull(rc, buf); err != nil {
		return fmt.Errorf("%s: short read at %d: %w", key, off, err)
	}
	return nil
}

// errDamaged marks a pack whose content is wrong, as opposed to one that
// could not be read.
var errDamaged = errors.New("damaged pack")

// readPackEntries reads a pack's own index from its tail (two range reads),
// without reading its data. size is the pack's object size.
func readPackEntries(ctx context.Context, o objects, id string, size int64) ([]packfmt.Entry, error) {
	key := packKey(id)
	if size < packfmt.FooterSize {
		return nil, fmt.Errorf("pack %s is %d bytes, shorter than a footer: %w", id, size, errDamaged)
	}
	footer, err := readRange(ctx, o, key, size-packfmt.FooterSize, packfmt.FooterSize)
	if err != nil {
		return nil, fmt.Errorf("pack %s: %w", id, err)
	}
	count, sum, err := packfmt.ParseFooter(footer, size)
	if err != nil {
		return nil, fmt.Errorf("pack %s: %w: %w", id, errDamaged, err)
	}
	tlen := int64(count) * packfmt.EntrySize
	start := size - packfmt.FooterSize - tlen
	var trailer []byte
	if count > 0 {
		if trailer, err = readRange(ctx, o, key, start, tlen); err != nil {
			return nil, fmt.Errorf("pack %s: %w", id, err)
		}
	}
	entries, err := packfmt.ParseTrailer(trailer, count, sum, start)
	if err != nil {
		return nil, fmt.Errorf("pack %s: %w: %w", id, errDamaged, err)
	}
	if got := packfmt.PackID(append(trailer, footer...)); got != id {
		return nil, fmt.Errorf("pack %s: %w: its own index hashes to %s, not to its name", id, errDamaged, got)
	}
	return entries, nil
}

// verifyPack reads a whole pack and checks its name, its trailer and every
// chunk's hash. It returns the entries and one message per problem.
func verifyPack(ctx context.Context, o objects, id string) ([]packfmt.Entry, []string, error) {
	data, err := o.Get(ctx, packKey(id))
	if errors.Is(err, ErrCorrupt) || errors.Is(err, errDamaged) {
		return nil, []string{fmt.Sprintf("pack %s: %v", id, err)}, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("pack %s: %w", id, err)
	}
	var problems []string
	entries, err := packfmt.DecodePack(data)
	if err != nil {
		return nil, append(problems, err.Error()), nil
	}
	tail := data[len(data)-len(entries)*packfmt.EntrySize-packfmt.FooterSize:]
	if got := packfmt.PackID(tail); got != id {
		problems = append(problems, fmt.Sprintf("the pack's own index hashes to %s: the pack is not the one its name says", got))
	}
	for _, e := range entries {
		chunk := data[e.Offset : e.Offset+uint64(e.Length)]
		if got := packfmt.Sum(chunk); got != e.ID {
			problems = append(problems, fmt.Sprintf("chunk %s at offset %d is corrupt (hashes to %s)", e.ID, e.Offset, got))
		}
	}
	return entries, problems, nil
}
