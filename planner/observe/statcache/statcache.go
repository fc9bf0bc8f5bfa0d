// Package statcache is the stat cache file of planner/observe: its format
// (Encode, Decode), where a dataset's cache lives (Path) and how it is read
// and written (Load, Save). The file is untrusted input, so its decoder
// lives here, apart from the scanner and the store's drivers, where it is
// fuzzed on its own.
package statcache

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"unsafe"

	"github.com/mlform/mlform/internal/hexid"
	"github.com/mlform/mlform/internal/readfile"
	"github.com/mlform/mlform/internal/relpath"
	"github.com/mlform/mlform/providers/storage/manifest"
)

// The stat cache remembers, per dataset, what every file looked like (size,
// mtime, ctime, inode, device; or the blob service's digest) when it was
// last hashed, with the hash, its chunks and its per-file column profile,
// so an unchanged tree costs one stat per file, like git's index and DVC's
// state database.
//
// File format (all integers varint/uvarint, strings and byte strings
// length-prefixed), closed by a CRC-32C of everything before it:
//
//	magic "MLFSTAT\n", format version
//	hash id, source, stats columns, scan start (ns), last manifest id,
//	last merged profile, entry count, entries sorted by path:
//	  path, size, mtime, ctime, inode, dev, mode, digest, hash,
//	  chunk count + 1 (0: one chunk whose id is the file hash), chunks,
//	  per-file profile
//
// The file is untrusted: any decode or validation error means "no cache"
// (everything is hashed again), never a wrong hash.
//
// Magic and Version begin every file.
const (
	Magic   = "MLFSTAT\n"
	Version = 1
)

// crcTable returns the Castagnoli table. It is made on first use, not at
// package init: building it costs a measurable part of the start-up of
// commands that never touch a cache.
func crcTable() *crc32.Table { return crc32.MakeTable(crc32.Castagnoli) }

// Cache is a decoded stat cache.
type Cache struct {
	HashID      string
	Source      string
	Columns     []string
	ScanStartNs int64 // wall clock when the walk that produced it began
	LastID      string
	LastProfile []byte
	Entries     []Entry // sorted by Path, unique
}

// Entry is what one file looked like when it was last hashed, and what
// hashing it gave.
type Entry struct {
	Path                 string
	Size, MtimeNs, Ctime int64
	Inode, Dev           uint64
	Mode                 uint32
	Digest               string
	File                 manifest.File
	Profile              []byte
}

// safeKey reports whether key is a plain identifier that can name a file
// as is: [A-Za-z0-9_][A-Za-z0-9_.-]{0,63}.
func safeKey(key string) bool {
	if key == "" || len(key) > 64 || key[0] == '.' || key[0] == '-' {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// Path names the cache file of a dataset (key: its name) in dir. Keys
// that are not plain identifiers are hashed, so no key can name a file
// outside dir.
func Path(dir, key string) string {
	if !safeKey(key) {
		sum := sha256.Sum256([]byte(key))
		key = "k-" + hex.EncodeToString(sum[:12])
	}
	return filepath.Join(dir, "observe-"+key+".stat")
}

// MaxSize bounds a stat cache file read (a million files take about
// a hundred megabytes); a bigger or special file is ignored like a damaged one.
const MaxSize = 1 << 30

// Load reads the cache at path; a missing or invalid file is nil.
func Load(path string) *Cache {
	data, err := readfile.Read(path, MaxSize)
	if err != nil {
		return nil
	}
	c, err := Decode(data)
	if err != nil {
		return nil
	}
	return c
}

// Save writes c atomically (temporary file, then rename).
func Save(path string, c *Cache) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("stat cache: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".observe-*.tmp")
	if err != nil {
		return fmt.Errorf("stat cache: %w", err)
	}
	_, werr := tmp.Write(Encode(c))
	cerr := tmp.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), path)
	}
	if werr != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("stat cache %s: %w", path, werr)
	}
	return nil
}

// Encode returns c in the file format.
func Encode(c *Cache) []byte {
	size := 64 + len(c.LastProfile)
	for i := range c.Entries {
		e := &c.Entries[i]
		size += 64 + len(e.Path) + len(e.Digest) + len(e.File.Hash) + len(e.Profile)
		for _, ch := range e.File.Chunks {
			size += len(ch.ID) + 6
		}
	}
	b := make([]byte, 0, size)
	b = append(b, Magic...)
	b = binary.AppendUvarint(b, Version)
	b = appendString(b, c.HashID)
	b = appendString(b, c.Source)
	b = binary.AppendUvarint(b, uint64(len(c.Columns)))
	for _, col := range c.Columns {
		b = appendString(b, col)
	}
	b = binary.AppendVarint(b, c.ScanStartNs)
	b = appendString(b, c.LastID)
	b = appendString(b, string(c.LastProfile))
	b = binary.AppendUvarint(b, uint64(len(c.Entries)))
	for i := range c.Entries {
		e := &c.Entries[i]
		b = appendString(b, e.Path)
		b = binary.AppendVarint(b, e.Size)
		b = binary.AppendVarint(b, e.MtimeNs)
		b = binary.AppendVarint(b, e.Ctime)
		b = binary.AppendUvarint(b, e.Inode)
		b = binary.AppendUvarint(b, e.Dev)
		b = binary.AppendUvarint(b, uint64(e.Mode))
		b = appendString(b, e.Digest)
		b = appendString(b, e.File.Hash)
		if ch := e.File.Chunks; len(ch) == 1 && ch[0].ID == e.File.Hash && int64(ch[0].Size) == e.File.Size {
			b = binary.AppendUvarint(b, 0)
		} else {
			b = binary.AppendUvarint(b, uint64(len(ch))+1)
			for _, c := range ch {
				b = appendString(b, c.ID)
				b = binary.AppendUvarint(b, uint64(c.Size))
			}
		}
		b = appendString(b, string(e.Profile))
	}
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, crcTable()))
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// ErrCorrupt is the error of a file that is not a valid stat cache.
var ErrCorrupt = errors.New("stat cache is corrupt")

// Decode parses and validates a cache file. Strings are sliced from
// one copy of the data (one allocation for all paths and hashes).
func Decode(data []byte) (*Cache, error) {
	if len(data) < len(Magic)+4 || string(data[:len(Magic)]) != Magic {
		return nil, ErrCorrupt
	}
	body := data[:len(data)-4]
	if crc32.Checksum(body, crcTable()) != binary.LittleEndian.Uint32(data[len(data)-4:]) {
		return nil, fmt.Errorf("%w: checksum mismatch", ErrCorrupt)
	}
	// The strings of the cache (paths, hashes) alias data, which nothing
	// writes to after the read: one buffer instead of 40,000 allocations.
	d := &decoder{s: unsafe.String(&body[0], len(body)), off: len(Magic)}
	if v := d.uvarint(); v != Version {
		return nil, fmt.Errorf("stat cache version %d, want %d", v, Version)
	}
	c := &Cache{HashID: d.str(), Source: d.str()}
	ncol := d.count(1)
	for i := 0; i < ncol; i++ {
		c.Columns = append(c.Columns, d.str())
	}
	c.ScanStartNs = d.varint()
	c.LastID = d.str()
	c.LastProfile = d.bytes()
	n := d.count(12)
	if d.err != nil {
		return nil, d.err
	}
	c.Entries = make([]Entry, n)
	single := make([]manifest.Chunk, n) // backing store of one-chunk files
	for i := range c.Entries {
		e := &c.Entries[i]
		e.Path = d.str()
		e.Size = d.varint()
		e.MtimeNs = d.varint()
		e.Ctime = d.varint()
		e.Inode = d.uvarint()
		e.Dev = d.uvarint()
		mode := d.uvarint()
		e.Digest = d.str()
		e.File = manifest.File{Path: e.Path, Size: e.Size, Hash: d.str()}
		nc := d.count(0)
		if nc == 0 {
			if e.File.Size > 1<<32-1 {
				d.err = ErrCorrupt
			}
			single[i] = manifest.Chunk{ID: e.File.Hash, Size: uint32(e.File.Size)}
			e.File.Chunks = single[i : i+1 : i+1]
		} else {
			e.File.Chunks = make([]manifest.Chunk, 0, min(nc-1, d.remaining()/2))
			for j := 0; j < nc-1 && d.err == nil; j++ {
				id, sz := d.str(), d.uvarint()
				if sz > 1<<32-1 {
					d.err = ErrCorrupt
				}
				e.File.Chunks = append(e.File.Chunks, manifest.Chunk{ID: id, Size: uint32(sz)})
			}
		}
		e.Profile = d.bytes()
		if d.err != nil {
			return nil, d.err
		}
		// A one-chunk file's chunk id is its hash, checked once.
		if mode > 1<<32-1 || e.Size < 0 || !isDigest(e.File.Hash) || (nc != 0 && !chunksValid(e.File.Chunks)) || relpath.Check(e.Path) != nil ||
			(i > 0 && c.Entries[i-1].Path >= e.Path) {
			return nil, fmt.Errorf("%w: entry %d", ErrCorrupt, i)
		}
		e.Mode, e.File.Mode = uint32(mode), uint32(mode)
	}
	if d.off != len(d.s) {
		return nil, fmt.Errorf("%w: trailing bytes", ErrCorrupt)
	}
	return c, nil
}

// isDigest reports whether s looks like a content digest as the store
// writes them: lowercase hex, 16 to 128 characters.
func isDigest(s string) bool {
	return len(s) >= 16 && len(s) <= 128 && hexid.IsLowerHex(s)
}

func chunksValid(cs []manifest.Chunk) bool {
	for _, c := range cs {
		if !isDigest(c.ID) {
			return false
		}
	}
	return true
}

// decoder reads varints and length-prefixed strings; the first error
// sticks and every later read returns zero values.
type decoder struct {
	s   string
	off int
	err error
}

func (d *decoder) remaining() int { return len(d.s) - d.off }

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	var x uint64
	var shift uint
	for i := 0; ; i++ {
		if d.off >= len(d.s) || i == binary.MaxVarintLen64 {
			d.err = ErrCorrupt
			return 0
		}
		b := d.s[d.off]
		d.off++
		if b < 0x80 {
			if i == binary.MaxVarintLen64-1 && b > 1 {
				d.err = ErrCorrupt
				return 0
			}
			return x | uint64(b)<<shift
		}
		x |= uint64(b&0x7f) << shift
		shift += 7
	}
}

func (d *decoder) varint() int64 {
	u := d.uvarint()
	x := int64(u >> 1)
	if u&1 != 0 {
		x = ^x
	}
	return x
}

// count reads a count of items each taking at least minSize bytes, and
// rejects counts the remaining data cannot hold.
func (d *decoder) count(minSize int) int {
	n := d.uvarint()
	if d.err == nil && (n > uint64(d.remaining()) || (minSize > 0 && n > uint64(d.remaining()/minSize))) {
		d.err = ErrCorrupt
		return 0
	}
	return int(n)
}

func (d *decoder) str() string {
	n := d.count(1)
	if d.err != nil {
		return ""
	}
	s := d.s[d.off : d.off+n]
	d.off += n
	return s
}

func (d *decoder) bytes() []byte {
	s := d.str()
	if s == "" {
		return nil
	}
	return []byte(s)
}
