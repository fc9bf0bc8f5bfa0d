package plans

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/zeebo/blake3"

	"github.com/mlform/mlform/internal/readfile"
	"github.com/mlform/mlform/internal/strictjson"
)

// planFileKind marks a JSON document as an mlform saved plan, so `apply
// state.json` fails clearly instead of half-decoding.
const planFileKind = "mlform-plan"

// MaxPlanFileSize bounds how much of a plan file is read (observations of
// a million files fit comfortably).
const MaxPlanFileSize = 1 << 30

// planFile is the envelope of a saved plan. Checksum is the BLAKE3 hex
// digest of the exact bytes of Plan, so any edit or truncation is caught
// before a single field is trusted.
type planFile struct {
	Kind          string          `json:"kind"`
	FormatVersion int             `json:"format_version"`
	Checksum      string          `json:"checksum"`
	Plan          json.RawMessage `json:"plan"`
}

// EncodePlan writes p as a saved plan file.
func EncodePlan(w io.Writer, p *Plan) error {
	if err := ValidatePlan(p); err != nil {
		return fmt.Errorf("encode plan: %w", err)
	}
	body, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("encode plan: %w", err)
	}
	env := planFile{Kind: planFileKind, FormatVersion: PlanFormatVersion, Checksum: checksum(body), Plan: body}
	out, err := json.Marshal(env)
	if err != nil {
		return fmt.Errorf("encode plan: %w", err)
	}
	out = append(out, '\n')
	if _, err := w.Write(out); err != nil {
		return fmt.Errorf("write plan: %w", err)
	}
	return nil
}

// WriteFile saves p to path atomically (temp file + rename), so a crash never
// leaves half a plan that apply would then refuse as corrupt.
func WriteFile(path string, p *Plan) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".mlform-plan-*")
	if err != nil {
		return fmt.Errorf("save plan to %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := EncodePlan(tmp, p); err != nil {
		tmp.Close()
		return fmt.Errorf("save plan %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("save plan %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save plan %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("save plan to %s: %w", path, err)
	}
	return nil
}

// ReadPlanFile opens, decodes and validates the saved plan at path, naming
// the file in errors. A FIFO or device (`apply /dev/zero`) is refused
// before anything is read.
func ReadPlanFile(path string) (*Plan, error) {
	if path == "" {
		// apply "$PLAN" with PLAN unset: say so, not "open : no such file".
		return nil, errors.New("the plan file name is empty: give the file saved by mlform plan -out=FILE")
	}
	f, err := readfile.Open(path, MaxPlanFileSize)
	if err != nil {
		var re *readfile.Error
		if errors.As(err, &re) && re.Mode.IsDir() {
			return nil, fmt.Errorf("%s is a directory, not a plan file; create one with `mlform plan -out FILE`", path)
		}
		return nil, fmt.Errorf("plan file: %w", err)
	}
	defer f.Close()
	p, err := DecodePlan(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// DecodePlan reads and fully validates a saved plan. A plan file is
// untrusted input: anything malformed, tampered with or from another format
// version is refused with an error saying what is wrong.
func DecodePlan(r io.Reader) (*Plan, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxPlanFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read plan: %w", err)
	}
	if len(data) > MaxPlanFileSize {
		return nil, fmt.Errorf("not a plan file: larger than %d bytes", MaxPlanFileSize)
	}
	var env planFile
	if err := json.Unmarshal(data, &env); err != nil {
		return nil, fmt.Errorf("not a plan file (it is not a JSON plan document: %v); create one with `mlform plan -out FILE`", err)
	}
	if env.Kind != planFileKind {
		return nil, errors.New("not a plan file (kind is not \"mlform-plan\"); create one with `mlform plan -out FILE`")
	}
	if env.FormatVersion != PlanFormatVersion {
		return nil, fmt.Errorf("plan file format %d is not supported by this mlform (format %d); run plan again", env.FormatVersion, PlanFormatVersion)
	}
	if env.Checksum != checksum(env.Plan) {
		return nil, errors.New("plan file is corrupt or was edited (checksum mismatch); run plan again")
	}
	var p Plan
	if err := strictjson.Unmarshal(env.Plan, &p, strictjson.KnownFields); err != nil {
		return nil, fmt.Errorf("plan file: %w", err)
	}
	if err := ValidatePlan(&p); err != nil {
		return nil, fmt.Errorf("plan file: %w", err)
	}
	return &p, nil
}

// checksum is the BLAKE3 hex digest of b.
func checksum(b []byte) string {
	sum := blake3.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Digest identifies a plan (recorded with what apply does, e.g. alias
// moves): the checksum of its encoding without observations.
func Digest(p *Plan) string {
	c := *p
	c.Actions = make([]*Action, len(p.Actions))
	for i, a := range p.Actions {
		ac := *a
		if a.Snapshot != nil {
			s := *a.Snapshot
			s.Observation = nil
			ac.Snapshot = &s
		}
		c.Actions[i] = &ac
	}
	b, err := json.Marshal(&c)
	if err != nil {
		return ""
	}
	return checksum(b)
}
