package executor

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"unicode"
	"unicode/utf8"

	"github.com/mlform/mlform/internal/readfile"
	"github.com/mlform/mlform/state"
)

// MetricsFile is the file a train or evaluate step writes into its output
// directory.
const MetricsFile = "metrics.json"

// MaxMetricsSize is the largest metrics.json accepted (ReadMetrics, and a
// remote step's stored one).
const MaxMetricsSize = maxMetricsBytes

// Limits on metrics.json: it is written by user code and recorded in state.
const (
	maxMetricsBytes = 1 << 20
	maxMetrics      = 10000
	maxMetricName   = state.MaxMetricNameLen
)

// ReadMetrics reads outputDir/metrics.json: a flat JSON object of metric
// name -> finite number. A missing file, a symlink, or anything else is an
// error naming the file and what is wrong with it.
func ReadMetrics(outputDir string) (map[string]float64, error) {
	path := filepath.Join(outputDir, MetricsFile)
	// Lstat first: a symlink would let a trainer point at any file.
	info, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s: not found: the command must write %s (a JSON object of metric name -> number) into MLFORM_OUTPUT_DIR", path, MetricsFile)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := readfile.Check(path, info, maxMetricsBytes); err != nil {
		return nil, err
	}
	data, err := readfile.Read(path, maxMetricsBytes)
	if err != nil {
		return nil, err
	}
	m, err := ParseMetrics(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// ParseMetrics decodes a metrics document. It is strict: one JSON object,
// no duplicate or empty names, names without control characters, values
// finite numbers, nothing after the object.
func ParseMetrics(data []byte) (map[string]float64, error) {
	if bom := byteOrderMark(data); bom != "" {
		// encoding/json would say "invalid character 'ï' looking for
		// beginning of value", which names no cause.
		return nil, fmt.Errorf("starts with a %s byte order mark (as PowerShell and Windows editors write), want plain UTF-8 JSON without one", bom)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err == io.EOF {
		return nil, errors.New("empty file, want a JSON object of metric name -> number")
	}
	if err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("top level is %s, want a JSON object of metric name -> number", describeToken(tok))
	}
	out := map[string]float64{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("invalid JSON: %w", err)
		}
		name := tok.(string) // object keys are always strings
		if err := checkMetricName(name); err != nil {
			return nil, err
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("metric %q appears twice", name)
		}
		if len(out) >= maxMetrics {
			return nil, fmt.Errorf("more than %d metrics", maxMetrics)
		}
		at := dec.InputOffset()
		tok, err = dec.Token()
		if err != nil {
			if lit := nonFiniteLiteral(data[at:]); lit != "" {
				return nil, fmt.Errorf("metric %q is %s, want a finite number (Python's json module writes %s for a float that is not finite: leave such a metric out)", name, lit, lit)
			}
			return nil, fmt.Errorf("metric %q: invalid JSON: %w", name, err)
		}
		num, ok := tok.(json.Number)
		if !ok {
			return nil, fmt.Errorf("metric %q is %s, want a number (metrics.json must be flat)", name, describeToken(tok))
		}
		v, err := strconv.ParseFloat(string(num), 64)
		if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
			return nil, fmt.Errorf("metric %q: %s is not a finite 64-bit number", name, num)
		}
		out[name] = v
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("unexpected data after the JSON object")
	}
	return out, nil
}

func checkMetricName(name string) error {
	switch {
	case name == "":
		return errors.New("a metric has an empty name")
	case len(name) > maxMetricName:
		return fmt.Errorf("metric name %.40q... is longer than %d bytes", name, maxMetricName)
	case !utf8.ValidString(name):
		return fmt.Errorf("metric name %q is not valid UTF-8", name)
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return fmt.Errorf("metric name %q contains a control character", name)
		}
	}
	return nil
}

func describeToken(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			return "an array"
		}
		return "an object"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	case json.Number:
		return "a number"
	}
	return fmt.Sprintf("%T", tok)
}

// nonFiniteLiteral returns NaN, Infinity or -Infinity when rest (what
// follows a metric name) starts with that bare word, as Python's json
// module writes a non-finite float; "" otherwise.
func nonFiniteLiteral(rest []byte) string {
	rest = bytes.TrimLeft(rest, " \t\r\n:")
	for _, lit := range []string{"NaN", "Infinity", "-Infinity"} {
		if bytes.HasPrefix(rest, []byte(lit)) {
			return lit
		}
	}
	return ""
}

// byteOrderMark names the byte order mark data starts with, or is "".
func byteOrderMark(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte{0xef, 0xbb, 0xbf}):
		return "UTF-8"
	case bytes.HasPrefix(data, []byte{0xff, 0xfe}), bytes.HasPrefix(data, []byte{0xfe, 0xff}):
		return "UTF-16"
	}
	return ""
}
