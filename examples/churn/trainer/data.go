package main

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// row is one customer.
type row struct {
	id       string
	tenure   float64
	monthly  float64
	contract string
	churned  bool
}

// readDir reads every *.csv below dir in lexical path order.
func readDir(dir string) ([]row, int, error) {
	var rows []row
	files := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(d.Name(), ".csv") {
			return nil
		}
		files++
		r, err := readCSV(path)
		rows = append(rows, r...)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	if len(rows) == 0 {
		return nil, 0, fmt.Errorf("no rows in any *.csv under %s", dir)
	}
	return rows, files, nil
}

var columns = []string{"customer_id", "tenure", "monthly_charges", "contract", "churned"}

func readCSV(path string) ([]row, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err == io.EOF {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(h)] = i
	}
	for _, c := range columns {
		if _, ok := col[c]; !ok {
			return nil, fmt.Errorf("%s: missing column %q (have %s)", path, c, strings.Join(header, ","))
		}
	}
	var rows []row
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return rows, nil
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		x, err := parseRow(rec, col)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		rows = append(rows, x)
	}
}

func parseRow(rec []string, col map[string]int) (row, error) {
	num := func(name string) (float64, error) {
		v, err := strconv.ParseFloat(strings.TrimSpace(rec[col[name]]), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, fmt.Errorf("%s %q is not a finite number", name, rec[col[name]])
		}
		return v, nil
	}
	var x row
	var err error
	x.id = rec[col["customer_id"]]
	if x.tenure, err = num("tenure"); err != nil {
		return x, err
	}
	if x.monthly, err = num("monthly_charges"); err != nil {
		return x, err
	}
	x.contract = strings.TrimSpace(rec[col["contract"]])
	switch rec[col["churned"]] {
	case "1":
		x.churned = true
	case "0":
	default:
		return x, fmt.Errorf("churned %q is not 0 or 1", rec[col["churned"]])
	}
	return x, nil
}

// split puts a customer in validation when the hash of its id says so
// (one in five): stable when rows are added or files reordered.
func split(rows []row) (train, valid []row) {
	for _, r := range rows {
		h := fnv.New32a()
		h.Write([]byte(r.id))
		if h.Sum32()%5 == 0 {
			valid = append(valid, r)
		} else {
			train = append(train, r)
		}
	}
	return train, valid
}

// params are the train params this trainer understands.
type params struct {
	LearningRate float64
	Epochs       int
}

// readParams reads MLFORM_PARAMS_FILE; missing keys take defaults, unknown
// keys are an error (a typo must not silently train with defaults).
func readParams(path string) (params, error) {
	p := params{LearningRate: 0.05, Epochs: 30}
	if path == "" {
		return p, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return p, fmt.Errorf("params: %w", err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return p, fmt.Errorf("params file %s: %w", path, err)
	}
	for k, v := range raw {
		switch k {
		case "learning_rate":
			if err := json.Unmarshal(v, &p.LearningRate); err != nil || !(p.LearningRate > 0 && p.LearningRate <= 10) {
				return p, fmt.Errorf("param learning_rate = %s: want a number in (0, 10]", v)
			}
		case "epochs":
			if err := json.Unmarshal(v, &p.Epochs); err != nil || p.Epochs < 1 || p.Epochs > 100000 {
				return p, fmt.Errorf("param epochs = %s: want an integer from 1 to 100000", v)
			}
		default:
			return p, fmt.Errorf("unknown param %q (this trainer accepts learning_rate and epochs)", k)
		}
	}
	return p, nil
}

// writeJSON writes v indented with a trailing newline.
func writeJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return errors.Join(fmt.Errorf("write %s", path), err)
	}
	return nil
}
