package randfile

import (
	"bufio"
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	var shared *bufio.Writer = bufio.NewWriterSize(nil, 64)
	for _, size := range []int64{0, 1, 7, 8, 9, 1000, 3 << 20} {
		a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
		if err := Write(a, size, rand.New(rand.NewPCG(1, 2)), nil); err != nil {
			t.Fatal(err)
		}
		if err := Write(b, size, rand.New(rand.NewPCG(1, 2)), shared); err != nil {
			t.Fatal(err)
		}
		da, _ := os.ReadFile(a)
		db, _ := os.ReadFile(b)
		if int64(len(da)) != size || !bytes.Equal(da, db) {
			t.Fatalf("size %d: wrote %d and %d bytes, equal=%v; want the same %d bytes for the same seed", size, len(da), len(db), bytes.Equal(da, db), size)
		}
	}
	c := filepath.Join(dir, "c")
	if err := Write(c, 64, rand.New(rand.NewPCG(3, 4)), nil); err != nil {
		t.Fatal(err)
	}
	dc, _ := os.ReadFile(c)
	da, _ := os.ReadFile(filepath.Join(dir, "a"))
	if bytes.Equal(dc, da[:64]) {
		t.Fatal("another seed wrote the same bytes")
	}
}
