package storage_test

import (
	"bufio"
	"context"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"syscall"
	"testing"

	"github.com/mlform/mlform/internal/randfile"
	"github.com/mlform/mlform/providers/storage"
	"github.com/mlform/mlform/providers/storage/manifest"
)

// Benchmarks of Put on file://, the numbers quoted for issue 3:
//
//	go test ./providers/storage -run '^$' -bench 'Put' -benchtime 3x
//
// Stores go to the system temp dir, or to MLFORM_BENCH_DIR when set
// (MLFORM_BENCH_DIR=/dev/shm measures mlform without the disk).
// Each reports throughput (MB/s over the input), objects written per
// operation and the process's peak RSS.

// benchData caches generated inputs across benchmark invocations.
type benchData struct {
	once  sync.Once
	dir   string
	files []string
	bytes int64
	err   error
}

var (
	smallFiles benchData
	bigFile    benchData
)

func TestMain(m *testing.M) {
	code := m.Run()
	for _, d := range []*benchData{&smallFiles, &bigFile} {
		if d.dir != "" {
			os.RemoveAll(d.dir)
		}
	}
	os.Exit(code)
}

func genSmallFiles() {
	d := &smallFiles
	d.dir, d.err = os.MkdirTemp("", "mlform-bench-small-")
	if d.err != nil {
		return
	}
	r := rand.New(rand.NewPCG(1, 2))
	w := bufio.NewWriterSize(nil, 1<<20)
	for i := 0; i < 20000; i++ {
		p := filepath.Join(d.dir, fmt.Sprintf("d%03d", i/100), fmt.Sprintf("f%05d.bin", i))
		if i%100 == 0 {
			if d.err = os.MkdirAll(filepath.Dir(p), 0o755); d.err != nil {
				return
			}
		}
		n := 4<<10 + r.IntN(60<<10+1)
		if d.err = randfile.Write(p, int64(n), r, w); d.err != nil {
			return
		}
		d.files = append(d.files, p)
		d.bytes += int64(n)
	}
}

func genBigFile() {
	d := &bigFile
	d.dir, d.err = os.MkdirTemp("", "mlform-bench-big-")
	if d.err != nil {
		return
	}
	p := filepath.Join(d.dir, "big.bin")
	d.err = randfile.Write(p, 256<<20, rand.New(rand.NewPCG(3, 4)), nil)
	d.files, d.bytes = []string{p}, 256<<20
}

func BenchmarkPut20kSmallFiles(b *testing.B) {
	smallFiles.once.Do(genSmallFiles)
	benchPut(b, &smallFiles)
}

func BenchmarkPut256MiB(b *testing.B) {
	bigFile.once.Do(genBigFile)
	benchPut(b, &bigFile)
}

// benchPut stores every file of d into a fresh file:// store per iteration:
// PutFile from 4 goroutines, Flush, PutManifest.
func benchPut(b *testing.B, d *benchData) {
	if d.err != nil {
		b.Fatal(d.err)
	}
	ctx := context.Background()
	b.SetBytes(d.bytes)
	b.ReportAllocs()
	var objects int
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		storeDir := benchTemp(b, "store-")
		b.StartTimer()
		s, err := storage.Open(ctx, "file://"+storeDir, storage.Options{})
		if err != nil {
			b.Fatal(err)
		}
		files, err := putAll(ctx, s, d.files, 4)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.PutManifest(ctx, &manifest.Manifest{Kind: manifest.KindSnapshot, Files: files}); err != nil {
			b.Fatal(err)
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		objects = countFiles(b, storeDir)
		// Removed at once so that iterations do not queue up dirty pages
		// for the disk to write back behind the next one.
		os.RemoveAll(storeDir)
		b.StartTimer()
	}
	b.ReportMetric(float64(objects), "objects/op")
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MiB")
	}
}

// benchDir is where stores are created: MLFORM_BENCH_DIR (e.g. /dev/shm to
// take the disk out of the measurement) or the system temp dir.
func benchDir(b *testing.B) string {
	if d := os.Getenv("MLFORM_BENCH_DIR"); d != "" {
		return d
	}
	return b.TempDir()
}

// benchTemp makes a new directory in benchDir named after prefix; the
// caller removes it.
func benchTemp(b *testing.B, prefix string) string {
	b.Helper()
	dir, err := os.MkdirTemp(benchDir(b), prefix)
	if err != nil {
		b.Fatal(err)
	}
	return dir
}

func putAll(ctx context.Context, s *storage.Store, paths []string, workers int) ([]manifest.File, error) {
	files := make([]manifest.File, len(paths))
	next := make(chan int)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f, err := os.Open(paths[i])
				if err != nil {
					errs <- err
					return
				}
				sf, err := s.PutFile(ctx, f)
				f.Close()
				if err != nil {
					errs <- fmt.Errorf("%s: %w", paths[i], err)
					return
				}
				sf.Path = fmt.Sprintf("f%06d", i)
				files[i] = sf
			}
		}()
	}
	var err error
feed:
	for i := range paths {
		select {
		case next <- i:
		case err = <-errs:
			break feed
		}
	}
	close(next)
	wg.Wait()
	close(errs)
	if err != nil {
		return nil, err
	}
	if err := <-errs; err != nil {
		return nil, err
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, s.Flush(ctx)
}

func countFiles(b *testing.B, dir string) int {
	n := 0
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// BenchmarkMaterialize20kSmallFiles measures a pull: the 20,000 small files
// written back out of a file:// store, every chunk and file hash verified.
func BenchmarkMaterialize20kSmallFiles(b *testing.B) {
	smallFiles.once.Do(genSmallFiles)
	d := &smallFiles
	if d.err != nil {
		b.Fatal(d.err)
	}
	ctx := context.Background()
	storeDir := benchTemp(b, "store-")
	defer os.RemoveAll(storeDir)
	s, err := storage.Open(ctx, "file://"+storeDir, storage.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	files, err := putAll(ctx, s, d.files, 4)
	if err != nil {
		b.Fatal(err)
	}
	id, err := s.PutManifest(ctx, &manifest.Manifest{Kind: manifest.KindSnapshot, Files: files})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(d.bytes)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		out := benchTemp(b, "out-")
		b.StartTimer()
		if err := s.Materialize(ctx, id, out); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		os.RemoveAll(out)
		b.StartTimer()
	}
}
