package observe

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/mlform/mlform/providers/source"
	"github.com/mlform/mlform/providers/storage"
)

// benchTree is 20,000 files of 4-64 KiB in 100 directories, like the
// `make bench` small dataset, created once per test binary.
var benchTree struct {
	once sync.Once
	dir  string
	err  error
}

func tree20k(b *testing.B) string {
	benchTree.once.Do(func() {
		dir, err := os.MkdirTemp("", "mlform-observe-bench-")
		if err != nil {
			benchTree.err = err
			return
		}
		r := rand.New(rand.NewPCG(1, 2))
		buf := make([]byte, 64<<10)
		for i := range buf {
			buf[i] = byte(r.Uint32())
		}
		for i := 0; i < 20000; i++ {
			sub := filepath.Join(dir, fmt.Sprintf("d%03d", i%100))
			if i < 100 {
				os.MkdirAll(sub, 0o755)
			}
			n := 4<<10 + r.IntN(60<<10)
			off := r.IntN(len(buf) - n + 1)
			buf[off] = byte(i) // distinct contents
			if err := os.WriteFile(filepath.Join(sub, fmt.Sprintf("f%05d.bin", i)), buf[off:off+n], 0o644); err != nil {
				benchTree.err = err
				return
			}
		}
		benchTree.dir = dir
	})
	if benchTree.err != nil {
		b.Fatal(benchTree.err)
	}
	return benchTree.dir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchTree.dir != "" {
		os.RemoveAll(benchTree.dir)
	}
	os.Exit(code)
}

// BenchmarkObserveNoop20k is a plan over an unchanged tree: a walk with one
// fstatat per file, the cache load, and no reads.
func BenchmarkObserveNoop20k(b *testing.B) {
	dir := tree20k(b)
	opts := testOptions(b.TempDir())
	src := openSource(b, dir)
	if _, err := Observe(context.Background(), src, opts); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		obs, err := Observe(context.Background(), src, opts)
		if err != nil {
			b.Fatal(err)
		}
		if obs.Hashed != 0 {
			b.Fatalf("no-op observation hashed %d files", obs.Hashed)
		}
	}
}

// BenchmarkObserveFirst20k hashes every file (no cache) with the test
// hasher (BLAKE3, no chunking), so it measures the observer's walk and
// parallel read path rather than the store's chunker.
func BenchmarkObserveFirst20k(b *testing.B) {
	dir := tree20k(b)
	src := openSource(b, dir)
	opts := testOptions("")
	benchObserve(b, src, opts)
}

// BenchmarkObserveCSVStats hashes and profiles 8 CSV files (about 6 MiB
// each, 3 of 10 columns profiled) through the tee: MB/s of CSV observed.
func BenchmarkObserveCSVStats(b *testing.B) {
	dir := b.TempDir()
	r := rand.New(rand.NewPCG(3, 4))
	for f := 0; f < 8; f++ {
		var sb strings.Builder
		sb.WriteString("id,ts,tenure,monthly_charges,contract,a,b,c,d,e\n")
		for i := 0; i < 80000; i++ {
			fmt.Fprintf(&sb, "%d,2026-01-%02d,%d,%.2f,%s,%.4f,%d,x%d,%.3f,free text\n", i, 1+i%28, r.IntN(72),
				20+r.Float64()*100, []string{"month", "one_year", "two_year"}[r.IntN(3)], r.NormFloat64(), r.IntN(1000), r.IntN(50), r.Float64())
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("part-%d.csv", f)), []byte(sb.String()), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	src := openSource(b, dir)
	opts := testOptions("")
	opts.StatsColumns = []string{"tenure", "monthly_charges", "contract"}
	benchObserve(b, src, opts)
}

// BenchmarkObserveFirst20kStore is the first observation with the store's
// own hasher (FastCDC chunking + BLAKE3), as plan runs it.
func BenchmarkObserveFirst20kStore(b *testing.B) {
	dir := tree20k(b)
	src := openSource(b, dir)
	st, err := storage.Open(context.Background(), "mem://", storage.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	opts := Options{Hash: st.HashFile}
	benchObserve(b, src, opts)
}

// benchObserve times Observe of src with opts, reporting the bytes each
// observation reads.
func benchObserve(b *testing.B, src source.Source, opts Options) {
	var bytes int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		obs, err := Observe(context.Background(), src, opts)
		if err != nil {
			b.Fatal(err)
		}
		bytes = obs.Bytes
	}
	b.SetBytes(bytes)
}
