package scripttest

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

// gencsv FILE ROWS SEED [SHIFT]: write a deterministic customer CSV with
// columns id, tenure (months, 1-72), monthly_charges (20-120, plus SHIFT),
// contract (monthly, yearly, two_year) and churned (0/1). The same ROWS
// and SEED give the same distribution; SHIFT moves monthly_charges only,
// so drift shows up in that one column.
func cmdGencsv(ts *testscript.TestScript, neg bool, args []string) {
	rows, err := strconv.Atoi(args[1])
	ts.Check(err)
	seed, err := strconv.ParseUint(args[2], 10, 64)
	ts.Check(err)
	shift := optionalArg(ts, args, 3, 0.0, func(s string) (float64, error) { return strconv.ParseFloat(s, 64) })
	r := rand.New(rand.NewPCG(seed, 0x6d6c666f726d))
	contracts := []string{"monthly", "yearly", "two_year"}
	var b strings.Builder
	b.WriteString("id,tenure,monthly_charges,contract,churned\n")
	for i := 0; i < rows; i++ {
		tenure := 1 + r.IntN(72)
		charges := 20 + r.Float64()*100 + shift
		churned := 0
		if r.Float64() < 0.3 {
			churned = 1
		}
		fmt.Fprintf(&b, "%d,%d,%.2f,%s,%d\n", i, tenure, charges, contracts[r.IntN(len(contracts))], churned)
	}
	p := ts.MkAbs(args[0])
	ts.Check(os.MkdirAll(filepath.Dir(p), 0o755))
	ts.Check(os.WriteFile(p, []byte(b.String()), 0o644))
}
