// Command benchgen writes the deterministic datasets `make bench` measures:
//
//	benchgen -small DIR   20,000 files of 4–64 KiB (about 600 MiB) in 100 folders
//	benchgen -large DIR   4 files of 256 MiB
//	benchgen -fleet N DIR a workspace of N datasets, models, retrain
//	                      policies and gated promotions (one small CSV each,
//	                      one shared sh trainer)
//
// Content is pseudo-random (incompressible) and the same on every machine
// for the same seed, so runs compare like with like.
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/mlform/mlform/internal/fleetgen"
	"github.com/mlform/mlform/internal/randfile"
)

func main() {
	small := flag.String("small", "", "write the 20,000-file dataset into `DIR`")
	large := flag.String("large", "", "write the 4 x 256 MiB dataset into `DIR`")
	files := flag.Int("files", 20000, "number of small files")
	seed := flag.Uint64("seed", 1, "random seed")
	fleet := flag.Int("fleet", 0, "write a workspace of `N` models into the directory given as argument")
	modules := flag.Bool("modules", false, "with -fleet: declare the N models as one module called with for_each")
	flag.Parse()
	if *fleet > 0 {
		if flag.NArg() != 1 {
			fmt.Fprintln(os.Stderr, "usage: benchgen -fleet N [-modules] DIR")
			os.Exit(2)
		}
		write := fleetgen.Write
		if *modules {
			write = fleetgen.WriteModules
		}
		if err := write(flag.Arg(0), *fleet); err != nil {
			fmt.Fprintln(os.Stderr, "benchgen:", err)
			os.Exit(1)
		}
		return
	}
	if *small == "" && *large == "" {
		fmt.Fprintln(os.Stderr, "usage: benchgen [-small DIR] [-large DIR] [-fleet N [-modules] DIR]")
		os.Exit(2)
	}
	if *small != "" {
		if err := writeSmall(*small, *files, *seed); err != nil {
			fmt.Fprintln(os.Stderr, "benchgen:", err)
			os.Exit(1)
		}
	}
	if *large != "" {
		if err := writeLarge(*large, *seed); err != nil {
			fmt.Fprintln(os.Stderr, "benchgen:", err)
			os.Exit(1)
		}
	}
}

func writeSmall(dir string, n int, seed uint64) error {
	r := rand.New(rand.NewPCG(seed, 0x5a11))
	for i := 0; i < n; i++ {
		sub := filepath.Join(dir, fmt.Sprintf("d%03d", i%100))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			return err
		}
		size := 4<<10 + r.IntN(60<<10+1)
		if err := randfile.Write(filepath.Join(sub, fmt.Sprintf("f%05d.bin", i)), int64(size), r, nil); err != nil {
			return err
		}
	}
	return nil
}

func writeLarge(dir string, seed uint64) error {
	r := rand.New(rand.NewPCG(seed, 0x1a9e))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for i := 0; i < 4; i++ {
		if err := randfile.Write(filepath.Join(dir, fmt.Sprintf("big%d.bin", i)), 256<<20, r, nil); err != nil {
			return err
		}
	}
	return nil
}
