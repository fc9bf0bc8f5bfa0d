package executor

import (
	"encoding/json"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestEnvName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"churn", "CHURN"},
		{"learning_rate", "LEARNING_RATE"},
		{"web-logs.v2", "WEB_LOGS_V2"},
		{"Ünïcode", "__N__CODE"},
		{"2024", "2024"},
	}
	for _, tt := range tests {
		if got := EnvName(tt.in); got != tt.want {
			t.Errorf("EnvName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParamString(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"float", 0.05, "0.05"},
		{"whole float", 30.0, "30"},
		{"int", 30, "30"},
		{"int64", int64(-7), "-7"},
		{"uint8", uint8(200), "200"},
		{"float32", float32(0.5), "0.5"},
		{"large float no exponent", 1e21, "1000000000000000000000"},
		{"small float no exponent", 1e-7, "0.0000001"},
		{"negative zero", math.Copysign(0, -1), "0"},
		{"big.Float", new(big.Float).SetPrec(512).SetFloat64(0.25), "0.25"},
		{"big.Float decimal", mustBig("0.05"), "0.05"},
		{"big.Int", big.NewInt(1 << 40), "1099511627776"},
		{"json.Number exponent", json.Number("1e3"), "1000"},
		{"string raw", "sgd with spaces", "sgd with spaces"},
		{"string that looks like JSON", `"quoted"`, `"quoted"`},
		{"bool", true, "true"},
		{"nil", nil, "null"},
		{"list", []any{1, "a", 0.5}, `[1,"a",0.5]`},
		{"map sorted", map[string]any{"b": 2, "a": 1}, `{"a":1,"b":2}`},
		{"NaN refused", math.NaN(), ""},
		{"unsupported type", struct{}{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ParamString(tt.in); got != tt.want {
				t.Errorf("ParamString(%#v) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func mustBig(s string) *big.Float {
	f, _, err := big.ParseFloat(s, 10, 512, big.ToNearestEven)
	if err != nil {
		panic(err)
	}
	return f
}

func validContract(root string) Contract {
	return Contract{
		DataDir:    filepath.Join(root, "data"),
		Datasets:   map[string]string{"churn": filepath.Join(root, "data", "churn")},
		OutputDir:  filepath.Join(root, "out"),
		ParamsFile: filepath.Join(root, "params.json"),
		Params:     map[string]any{"learning_rate": 0.05, "epochs": 30},
		Model:      "churn",
		Version:    3,
	}
}

func TestContractEnvExact(t *testing.T) {
	root := t.TempDir()
	train := validContract(root)
	want := map[string]string{
		"MLFORM_DATA_DIR":            filepath.Join(root, "data"),
		"MLFORM_DATASET_CHURN_DIR":   filepath.Join(root, "data", "churn"),
		"MLFORM_OUTPUT_DIR":          filepath.Join(root, "out"),
		"MLFORM_PARAMS_FILE":         filepath.Join(root, "params.json"),
		"MLFORM_PARAM_LEARNING_RATE": "0.05",
		"MLFORM_PARAM_EPOCHS":        "30",
		"MLFORM_MODEL":               "churn",
		"MLFORM_VERSION":             "3",
	}
	if got := train.Env(); !reflect.DeepEqual(got, want) {
		t.Errorf("train Env() =\n%v\nwant\n%v", got, want)
	}
	eval := train
	eval.ModelDir = filepath.Join(root, "model")
	want["MLFORM_MODEL_DIR"] = eval.ModelDir
	if got := eval.Env(); !reflect.DeepEqual(got, want) {
		t.Errorf("evaluate Env() =\n%v\nwant\n%v", got, want)
	}
}

func TestContractValidate(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(c *Contract, root string)
		wantErr string // "" means valid
	}{
		{"valid", func(c *Contract, root string) {}, ""},
		{"no data dir is fine", func(c *Contract, root string) { c.DataDir = ""; c.Datasets = nil }, ""},
		{"empty model", func(c *Contract, root string) { c.Model = "" }, "model name is empty"},
		{"zero version", func(c *Contract, root string) { c.Version = 0 }, "version 0 is not positive"},
		{"no output dir", func(c *Contract, root string) { c.OutputDir = "" }, "output dir is not set"},
		{"relative output dir", func(c *Contract, root string) { c.OutputDir = "out" }, `output dir "out" is not an absolute path`},
		{"relative dataset dir", func(c *Contract, root string) { c.Datasets["churn"] = "data/churn" }, `dataset "churn" dir "data/churn" is not an absolute path`},
		{"output inside data", func(c *Contract, root string) { c.OutputDir = filepath.Join(root, "data", "out") }, "overlaps the data dir"},
		{"data inside output", func(c *Contract, root string) { c.OutputDir = root }, "overlaps the data dir"},
		{"output is model dir", func(c *Contract, root string) { c.ModelDir = c.OutputDir }, "overlaps the model dir"},
		{"params inside output", func(c *Contract, root string) { c.ParamsFile = filepath.Join(c.OutputDir, "p.json") }, "inside the output dir"},
		{"output is root", func(c *Contract, root string) { c.OutputDir = "/"; c.DataDir = "" }, "filesystem root"},
		{"dataset names collide", func(c *Contract, root string) {
			c.Datasets["web-logs"] = filepath.Join(root, "data", "a")
			c.Datasets["web_logs"] = filepath.Join(root, "data", "b")
		}, `dataset names "web-logs" and "web_logs" both become WEB_LOGS`},
		{"param names collide", func(c *Contract, root string) { c.Params["Epochs"] = 1 }, `param names "Epochs" and "epochs" both become EPOCHS`},
		{"non-finite param", func(c *Contract, root string) { c.Params["lr"] = math.Inf(1) }, `param "lr": +Inf is not a finite number`},
		{"nested bad param", func(c *Contract, root string) { c.Params["grid"] = []any{1, math.NaN()} }, `param "grid": [1]: NaN is not a finite number`},
		{"unsupported param", func(c *Contract, root string) { c.Params["f"] = func() {} }, `param "f": unsupported value of type func()`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			c := validContract(root)
			tt.edit(&c, root)
			err := c.Validate()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Validate: %v", err)
			case tt.wantErr != "" && err == nil:
				t.Fatalf("Validate passed, want error containing %q", tt.wantErr)
			case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
				t.Fatalf("Validate: %v\nwant it to contain %q", err, tt.wantErr)
			}
			if err != nil && c.Prepare() == nil {
				t.Error("Prepare succeeded on an invalid contract")
			}
		})
	}
}

func TestContractPrepare(t *testing.T) {
	root := t.TempDir()
	c := validContract(root)
	c.Params["grid"] = map[string]any{"z": []any{1, 2.5}, "a": "x"}
	// Leftovers from an earlier attempt, some read-only, must go.
	stale := filepath.Join(c.OutputDir, "old", "model.json")
	if err := os.MkdirAll(filepath.Dir(stale), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stale, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := MakeReadOnly(c.OutputDir); err != nil {
		t.Fatal(err)
	}
	if err := c.Prepare(); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(c.OutputDir)
	if err != nil || len(entries) != 0 {
		t.Errorf("output dir after Prepare: %d entries, err %v; want it empty", len(entries), err)
	}
	data, err := os.ReadFile(c.ParamsFile)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"epochs":30,"grid":{"a":"x","z":[1,2.5]},"learning_rate":0.05}` + "\n"
	if string(data) != want {
		t.Errorf("params file %q, want %q", data, want)
	}
	// A missing output dir is created.
	c.OutputDir = filepath.Join(root, "new", "out")
	if err := c.Prepare(); err != nil {
		t.Fatal(err)
	}
	if info, err := os.Stat(c.OutputDir); err != nil || !info.IsDir() {
		t.Errorf("output dir not created: %v", err)
	}
}
