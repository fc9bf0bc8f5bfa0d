package planner

import (
	"bufio"
	"context"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/state"
)

// writeCSV appends rows of a deterministic customer-like CSV to path until
// it holds at least size bytes, starting at row first. It returns the next
// row number.
func writeCSV(tb testing.TB, path string, size int64, first int) int {
	tb.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		tb.Fatal(err)
	}
	st, _ := f.Stat()
	w := bufio.NewWriterSize(f, 1<<20)
	if st.Size() == 0 {
		w.WriteString("customer_id,tenure,monthly_charges,contract,churned\n")
	}
	r := rand.New(rand.NewPCG(uint64(first), 42))
	contracts := []string{"month-to-month", "one-year", "two-year"}
	written := st.Size()
	row := first
	buf := make([]byte, 0, 128)
	for written < size {
		buf = buf[:0]
		buf = strconv.AppendInt(buf, int64(row), 10)
		buf = append(buf, ',')
		buf = strconv.AppendInt(buf, int64(r.IntN(72)), 10)
		buf = append(buf, ',')
		buf = strconv.AppendFloat(buf, 20+r.Float64()*100, 'f', 2, 64)
		buf = append(buf, ',')
		buf = append(buf, contracts[r.IntN(3)]...)
		buf = append(buf, ',')
		buf = strconv.AppendInt(buf, int64(r.IntN(2)), 10)
		buf = append(buf, '\n')
		w.Write(buf)
		written += int64(len(buf))
		row++
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	os.Chtimes(path, old, old)
	return row
}

func dirSize(tb testing.TB, dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

func planAndApply(tb testing.TB, ws *engine.Workspace, st *state.State) {
	tb.Helper()
	p, err := Plan(context.Background(), ws, st, engine.PlanOptions{Refresh: true})
	if err != nil {
		tb.Fatal(err)
	}
	res, err := Apply(context.Background(), ws, nil, p, st, &memWriter{}, ApplyOptions{})
	if err != nil || res.Failed() {
		tb.Fatalf("apply: %v %v", err, res.Errors())
	}
}

// BenchmarkAppendOnePercent snapshots a CSV (1 GiB by default; set
// MLFORM_BENCH_CSV_MIB to change), appends 1% new rows and snapshots
// again, reporting the new bytes the second snapshot stored as a percentage
// of the file (issue 4: at most 3%). Content-defined chunking keeps every
// chunk before the append point.
//
//	go test ./planner -run '^$' -bench AppendOnePercent -benchtime 1x
func BenchmarkAppendOnePercent(b *testing.B) {
	mib := int64(1024)
	if v := os.Getenv("MLFORM_BENCH_CSV_MIB"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			b.Fatal(err)
		}
		mib = n
	}
	size := mib << 20
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dir := b.TempDir()
		if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
			b.Fatal(err)
		}
		csv := filepath.Join(dir, "data", "customers.csv")
		next := writeCSV(b, csv, size, 0)
		ws := testWorkspace(b, dir, map[string]string{"customers": "data"})
		st := state.New()
		planAndApply(b, ws, st)
		store := filepath.Join(dir, ".mlform", "store")
		before := dirSize(b, store)
		writeCSV(b, csv, size+size/100, next)
		b.StartTimer()
		planAndApply(b, ws, st)
		b.StopTimer()
		grown := dirSize(b, store) - before
		pct := 100 * float64(grown) / float64(size)
		b.ReportMetric(pct, "%new")
		b.ReportMetric(float64(grown)/(1<<20), "newMiB")
		if pct > 3 {
			b.Errorf("appending 1%% stored %.2f%% of the file in new bytes (limit 3%%)", pct)
		}
		ws.Close()
	}
}

// BenchmarkPlanNoop20k times a plan over 20,000 unchanged small files
// already snapshotted: what `mlform plan` costs when nothing changed.
func BenchmarkPlanNoop20k(b *testing.B) {
	dir := b.TempDir()
	data := filepath.Join(dir, "data")
	r := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, 64<<10)
	for i := 0; i < 20000; i++ {
		p := filepath.Join(data, fmt.Sprintf("d%03d", i/200), fmt.Sprintf("f%05d.bin", i))
		if i%200 == 0 {
			os.MkdirAll(filepath.Dir(p), 0o755)
		}
		n := 4<<10 + r.IntN(60<<10)
		for j := range buf[:n] {
			buf[j] = byte(r.Uint32())
		}
		if err := os.WriteFile(p, buf[:n], 0o644); err != nil {
			b.Fatal(err)
		}
		old := time.Now().Add(-time.Hour)
		os.Chtimes(p, old, old)
	}
	ws := testWorkspace(b, dir, map[string]string{"small": "data"})
	st := state.New()
	planAndApply(b, ws, st)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p, err := Plan(context.Background(), ws, st, engine.PlanOptions{Refresh: true})
		if err != nil {
			b.Fatal(err)
		}
		if p.HasChanges() {
			b.Fatal("no-op plan has changes")
		}
	}
}
