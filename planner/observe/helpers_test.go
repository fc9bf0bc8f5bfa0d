package observe

import (
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/zeebo/blake3"
)

// testHash hashes like a store with one chunk per file: enough for the
// observer, which treats the hasher as a black box.
func testHash(r io.Reader) (File, error) {
	h := blake3.New()
	n, err := io.Copy(h, r)
	if err != nil {
		return File{}, err
	}
	id := hex.EncodeToString(h.Sum(nil))
	f := File{Size: n, Hash: id}
	if n > 0 {
		f.Chunks = []Chunk{{ID: id, Size: uint32(n)}}
	}
	return f, nil
}

func testManifestID(files []File) string {
	h := blake3.New()
	for _, f := range files {
		fmt.Fprintf(h, "%s\x00%d\x00%s\x00%o\n", f.Path, f.Size, f.Hash, f.Mode)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// future is a clock an hour ahead, so files written by the test are not
// racy for the cache written by the scan.
func future() time.Time { return time.Now().Add(time.Hour) }

func testOptions(cacheDir string) Options {
	return Options{Hash: testHash, ManifestID: testManifestID, HashID: "test", CacheDir: cacheDir, CacheKey: "ds", Clock: future}
}

func paths(files []File) string {
	var s []string
	for _, f := range files {
		s = append(s, f.Path)
	}
	return strings.Join(s, ",")
}
