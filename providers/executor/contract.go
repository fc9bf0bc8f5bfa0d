package executor

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/mlform/mlform/internal/contractenv"
	"github.com/mlform/mlform/internal/paramvalue"
)

// Contract variable names (docs/training-contract.md).
const (
	EnvDataDir    = "MLFORM_DATA_DIR"
	EnvOutputDir  = "MLFORM_OUTPUT_DIR"
	EnvParamsFile = "MLFORM_PARAMS_FILE"
	EnvModel      = "MLFORM_MODEL"
	EnvVersion    = "MLFORM_VERSION"
	EnvModelDir   = "MLFORM_MODEL_DIR"
)

// Contract is what a train or evaluate command is given. The caller
// materialises the snapshots (and, for evaluate, the model's artifacts),
// calls Prepare, and passes Env() in Task.Env.
type Contract struct {
	// DataDir holds every dataset's snapshot, read-only.
	DataDir string
	// Datasets maps dataset name to its snapshot directory (usually under
	// DataDir); each becomes MLFORM_DATASET_<NAME>_DIR.
	Datasets map[string]string
	// OutputDir receives the step's artifacts and metrics.json; Prepare
	// empties it.
	OutputDir string
	// ModelDir holds the evaluated version's artifacts (evaluate only).
	ModelDir string
	// ParamsFile is where Prepare writes Params as one JSON object.
	ParamsFile string
	// Params are the train params: strings, bools, numbers (any Go integer
	// or float kind, json.Number, *big.Float, *big.Int), nil, and
	// []any / map[string]any of those.
	Params map[string]any
	// Model is the model's name ("churn"); Version the attempt's number.
	Model   string
	Version int
}

// DataDirName is the name of a dataset's directory under MLFORM_DATA_DIR:
// the dataset's name as its step knows it (sales, sales["eu"],
// module.region["eu"].sales). A name longer than MaxDataDirName bytes (a
// dataset deep in modules with long instance keys) is cut there and ends
// in "~" and 16 hex digits of its hash, since a directory name has at most
// 255 bytes; MLFORM_DATASET_<NAME>_DIR names the directory either way.
func DataDirName(name string) string {
	if len(name) <= MaxDataDirName {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	return name[:MaxDataDirName-17] + "~" + hex.EncodeToString(sum[:8])
}

// MaxDataDirName is the longest dataset directory name DataDirName gives.
const MaxDataDirName = 200

// EnvName turns a dataset or param name into the part of a variable name
// that carries it (contractenv.Name).
func EnvName(name string) string { return contractenv.Name(name) }

// DatasetEnv is the variable naming a dataset's directory.
func DatasetEnv(name string) string { return contractenv.Dataset(name) }

// ParamEnv is the variable carrying one param.
func ParamEnv(name string) string { return contractenv.Param(name) }

// Validate reports every problem with the contract: missing or relative
// directories, overlapping input and output directories, names that collide
// once turned into variable names, and params that cannot be JSON.
func (c Contract) Validate() error {
	var errs []error
	if c.Model == "" {
		errs = append(errs, errors.New("model name is empty"))
	}
	if c.Version <= 0 {
		errs = append(errs, fmt.Errorf("version %d is not positive", c.Version))
	}
	checkAbs := func(what, p string, required bool) {
		switch {
		case p == "" && required:
			errs = append(errs, fmt.Errorf("%s is not set", what))
		case p != "" && !filepath.IsAbs(p):
			errs = append(errs, fmt.Errorf("%s %q is not an absolute path", what, p))
		}
	}
	checkAbs("output dir", c.OutputDir, true)
	checkAbs("params file", c.ParamsFile, true)
	checkAbs("data dir", c.DataDir, false)
	checkAbs("model dir", c.ModelDir, false)
	for _, name := range slices.Sorted(maps.Keys(c.Datasets)) {
		checkAbs(fmt.Sprintf("dataset %q dir", name), c.Datasets[name], true)
	}
	if c.OutputDir != "" {
		if c.OutputDir == string(filepath.Separator) {
			errs = append(errs, errors.New("output dir is the filesystem root"))
		}
		for what, p := range map[string]string{"data dir": c.DataDir, "model dir": c.ModelDir} {
			if p != "" && overlaps(c.OutputDir, p) {
				errs = append(errs, fmt.Errorf("output dir %q overlaps the %s %q", c.OutputDir, what, p))
			}
		}
		if c.ParamsFile != "" && within(c.OutputDir, c.ParamsFile) {
			errs = append(errs, fmt.Errorf("params file %q is inside the output dir (it would become an artifact)", c.ParamsFile))
		}
	}
	errs = append(errs, collisions("dataset", c.Datasets, EnvName)...)
	errs = append(errs, collisions("param", c.Params, EnvName)...)
	for _, name := range slices.Sorted(maps.Keys(c.Params)) {
		if _, err := paramvalue.Canonical(c.Params[name]); err != nil {
			errs = append(errs, fmt.Errorf("param %q: %w", name, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("training contract for model.%s: %w", c.Model, err)
	}
	return nil
}

// Prepare validates the contract, writes ParamsFile (a JSON object with
// sorted keys) and leaves OutputDir existing and empty.
func (c Contract) Prepare() error {
	if err := c.Validate(); err != nil {
		return err
	}
	data, err := c.ParamsJSON()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(c.ParamsFile), 0o755); err != nil {
		return fmt.Errorf("params file: %w", err)
	}
	if err := os.WriteFile(c.ParamsFile, data, 0o644); err != nil {
		return fmt.Errorf("params file: %w", err)
	}
	if err := emptyDir(c.OutputDir); err != nil {
		return fmt.Errorf("output dir: %w", err)
	}
	return nil
}

// ParamsJSON is the params file's content: one JSON object, keys sorted,
// numbers in plain decimal, ending with a newline.
func (c Contract) ParamsJSON() ([]byte, error) {
	obj := make(map[string]any, len(c.Params))
	for k, v := range c.Params {
		cv, err := paramvalue.Canonical(v)
		if err != nil {
			return nil, fmt.Errorf("param %q: %w", k, err)
		}
		obj[k] = cv
	}
	data, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("params: %w", err)
	}
	return append(data, '\n'), nil
}

// Env is the contract's environment, exactly the variables of docs/training-contract.md:
// MLFORM_DATA_DIR, MLFORM_DATASET_<NAME>_DIR, MLFORM_OUTPUT_DIR,
// MLFORM_PARAMS_FILE, MLFORM_PARAM_<NAME>, MLFORM_MODEL, MLFORM_VERSION and,
// when set, MLFORM_MODEL_DIR. Params become strings: numbers in plain
// decimal ("0.05", "30"), strings raw, everything else as JSON. Call
// Validate (or Prepare) first: on colliding names the result is still
// deterministic, but one of the colliding values is lost.
func (c Contract) Env() map[string]string {
	env := map[string]string{
		EnvOutputDir:  c.OutputDir,
		EnvParamsFile: c.ParamsFile,
		EnvModel:      c.Model,
		EnvVersion:    strconv.Itoa(c.Version),
	}
	if c.DataDir != "" {
		env[EnvDataDir] = c.DataDir
	}
	if c.ModelDir != "" {
		env[EnvModelDir] = c.ModelDir
	}
	for _, name := range slices.Sorted(maps.Keys(c.Datasets)) {
		env[DatasetEnv(name)] = c.Datasets[name]
	}
	// One instance of a fleet's dataset block is also named by the block.
	for v, name := range contractenv.BlockAliases(slices.Collect(maps.Keys(c.Datasets))) {
		if _, taken := env[v]; !taken {
			env[v] = c.Datasets[name]
		}
	}
	for _, name := range slices.Sorted(maps.Keys(c.Params)) {
		env[ParamEnv(name)] = ParamString(c.Params[name])
	}
	return env
}

// ParamString renders one param as its MLFORM_PARAM_<NAME> value.
// Values paramvalue.Canonical refuses render as "".
func ParamString(v any) string {
	cv, err := paramvalue.Canonical(v)
	if err != nil {
		return ""
	}
	switch x := cv.(type) {
	case string:
		return x
	case json.Number:
		return string(x)
	}
	data, err := json.Marshal(cv)
	if err != nil {
		return ""
	}
	return string(data)
}

// collisions reports an empty name, then names that map to the same
// variable name.
func collisions[V any](kind string, m map[string]V, norm func(string) string) []error {
	var errs []error
	if _, ok := m[""]; ok {
		errs = append(errs, fmt.Errorf("%s name is empty", kind))
	}
	names := slices.DeleteFunc(slices.Collect(maps.Keys(m)), func(n string) bool { return n == "" })
	return append(errs, EnvCollisions(kind, names, norm)...)
}

// EnvCollisions reports, in name order, every name whose variable
// (env(name)) an earlier name already takes. The planner checks a model
// with it at plan time, so a collision the step would refuse costs no
// version number.
func EnvCollisions(kind string, names []string, env func(string) string) []error {
	seen := map[string]string{}
	var errs []error
	for _, name := range slices.Sorted(slices.Values(names)) {
		v := env(name)
		if prev, ok := seen[v]; ok {
			errs = append(errs, fmt.Errorf("%s names %q and %q both become %s", kind, prev, name, v))
			continue
		}
		seen[v] = name
	}
	return errs
}

// within reports whether p is dir or below it (both absolute, cleaned).
func within(dir, p string) bool {
	rel, err := filepath.Rel(filepath.Clean(dir), filepath.Clean(p))
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

func overlaps(a, b string) bool { return within(a, b) || within(b, a) }

// emptyDir creates dir or removes everything inside it, making read-only
// leftovers writable first.
func emptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := RemoveReadOnly(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return nil
}
