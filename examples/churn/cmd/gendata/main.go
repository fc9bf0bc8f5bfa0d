// Command gendata writes the churn example's customer data: a deterministic
// synthetic table whose churned column follows a logistic model of the
// other columns, so a trainer can learn it, and whose distribution can be
// shifted with -drift to exercise mlform's drift triggers.
//
//	go run ./examples/churn/cmd/gendata -out DIR -rows N -seed S -drift X
//
// The same flags give the same bytes: the generator uses its own PCG stream
// rather than math/rand's helpers (whose algorithms may change), and
// explicit float64 conversions keep the compiler from fusing multiply-adds
// differently on different architectures.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "gendata:", err)
		os.Exit(1)
	}
}

func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("gendata", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "directory to write the CSV files into (created)")
	var o Options
	fs.IntVar(&o.Rows, "rows", 4000, "number of customers")
	fs.IntVar(&o.Files, "files", 4, "number of CSV files to spread the rows over")
	fs.Uint64Var(&o.Seed, "seed", 1, "random seed")
	fs.Float64Var(&o.Drift, "drift", 0, "distribution shift: 0 = reference; 1 = much higher monthly charges and shorter tenure")
	fs.IntVar(&o.FirstID, "first-id", 1, "customer_id of the first row (to append new customers to an existing set)")
	fs.StringVar(&o.Prefix, "prefix", "part", "file name prefix: files are PREFIX-NNNN.csv")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *out == "" {
		return errors.New("-out DIR is required")
	}
	if err := o.Validate(); err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	return WriteFiles(*out, o)
}

// Options select the generated table.
type Options struct {
	Rows, Files int
	Seed        uint64
	Drift       float64
	FirstID     int
	Prefix      string
}

// Validate reports a flag value that cannot produce a table.
func (o Options) Validate() error {
	switch {
	case o.Rows < 1:
		return fmt.Errorf("-rows %d: want at least 1", o.Rows)
	case o.Files < 1 || o.Files > o.Rows:
		return fmt.Errorf("-files %d: want between 1 and -rows (%d)", o.Files, o.Rows)
	case math.IsNaN(o.Drift) || o.Drift < 0 || o.Drift > 5:
		return fmt.Errorf("-drift %v: want a number between 0 and 5", o.Drift)
	case o.FirstID < 0:
		return fmt.Errorf("-first-id %d: want 0 or more", o.FirstID)
	case o.Prefix == "" || strings.ContainsAny(o.Prefix, `/\`) || o.Prefix == "." || o.Prefix == "..":
		return fmt.Errorf("-prefix %q: want a plain file name prefix", o.Prefix)
	}
	return nil
}

// WriteFiles writes o.Files files PREFIX-0000.csv... into dir, rows spread
// evenly, all drawn from one stream so the split does not change the rows.
func WriteFiles(dir string, o Options) error {
	g := newGenerator(o)
	for f := 0; f < o.Files; f++ {
		n := o.Rows / o.Files
		if f < o.Rows%o.Files {
			n++
		}
		path := filepath.Join(dir, fmt.Sprintf("%s-%04d.csv", o.Prefix, f))
		if err := writeFile(path, g, n); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	return nil
}

func writeFile(path string, g *generator, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	g.writeCSV(w, n)
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Header is the CSV header every file starts with.
const Header = "customer_id,tenure,monthly_charges,contract,churned"

// contracts are the contract kinds and their effect on the churn log-odds
// (a constant table).
var contracts = [...]struct {
	name   string
	share  float64 // cumulative probability
	effect float64
}{
	{"month-to-month", 0.55, 0.9},
	{"one-year", 0.80, -0.5},
	{"two-year", 1.00, -1.6},
}

type generator struct {
	o    Options
	rng  pcg
	next int
}

func newGenerator(o Options) *generator {
	return &generator{o: o, rng: pcg{hi: o.Seed, lo: o.Seed ^ 0x9e3779b97f4a7c15}, next: o.FirstID}
}

// writeCSV writes the header and n rows.
func (g *generator) writeCSV(w io.Writer, n int) {
	fmt.Fprintln(w, Header)
	for i := 0; i < n; i++ {
		r := g.row()
		fmt.Fprintf(w, "C%07d,%d,%s,%s,%d\n", r.id, r.tenure, strconv.FormatFloat(r.monthly, 'f', 2, 64), r.contract, r.churned)
	}
}

type row struct {
	id       int
	tenure   int
	monthly  float64
	contract string
	churned  int
}

// row draws one customer. Drift shortens tenure and raises charges, and
// moves customers towards month-to-month contracts.
func (g *generator) row() row {
	d := g.o.Drift
	tenure := int(math.Floor(1 + float64(71*math.Pow(g.rng.float(), 1+d))))
	monthly := 65 + float64(25*d) + float64(22*g.rng.normal())
	monthly = math.Max(18, math.Min(150, monthly))
	monthly = math.Round(monthly*100) / 100
	u := g.rng.float() * (1 - float64(0.3*math.Min(d, 1)))
	c := contracts[len(contracts)-1]
	for _, k := range contracts {
		if u < k.share {
			c = k
			break
		}
	}
	z := 0.2 - float64(0.045*float64(tenure)) + float64(0.035*(monthly-65)) + c.effect
	churned := 0
	if g.rng.float() < 1/(1+math.Exp(-z)) {
		churned = 1
	}
	id := g.next
	g.next++
	return row{id: id, tenure: tenure, monthly: monthly, contract: c.name, churned: churned}
}

// pcg is PCG-XSL-RR 128/64 (O'Neill), fixed here so the data never depends
// on a library's choice of algorithm.
type pcg struct{ hi, lo uint64 }

const (
	mulHi = 2549297995355413924
	mulLo = 4865540595714422341
	incHi = 6364136223846793005
	incLo = 1442695040888963407
)

func (p *pcg) next() uint64 {
	// state = state*mul + inc (128-bit)
	hi, lo := mul128(p.hi, p.lo, mulHi, mulLo)
	var carry uint64
	lo, carry = add64(lo, incLo)
	hi = hi + incHi + carry
	p.hi, p.lo = hi, lo
	// XSL-RR output.
	x := hi ^ lo
	rot := hi >> 58
	return x>>rot | x<<((64-rot)&63)
}

// float is uniform in [0, 1) with 53 random bits.
func (p *pcg) float() float64 { return float64(p.next()>>11) / (1 << 53) }

// normal is a standard normal draw (Box-Muller, one value per call).
func (p *pcg) normal() float64 {
	u1 := 1 - p.float() // (0, 1]: log is finite
	u2 := p.float()
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
}
