// Command churn-trainer is the churn example's trainer: logistic regression
// fitted by stochastic gradient descent, using nothing but the Go standard
// library. It follows mlform's training contract:
//
//	churn-trainer train      reads every CSV under MLFORM_DATASET_CHURN_DIR
//	                         (or MLFORM_DATA_DIR), params from
//	                         MLFORM_PARAMS_FILE, writes model.json,
//	                         metrics.json and metrics.jsonl (per-epoch
//	                         training and validation logloss) into
//	                         MLFORM_OUTPUT_DIR
//	churn-trainer evaluate   scores the current data with
//	                         MLFORM_MODEL_DIR/model.json and writes
//	                         metrics.json into MLFORM_OUTPUT_DIR
//
// It is fully deterministic: the same data and params give byte-identical
// model.json, metrics.json and metrics.jsonl (files are read in sorted order, rows are
// visited in file order, nothing depends on time or map order), which is
// what `mlform reproduce` checks.
package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	if err := run(os.Args[1:], os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "churn-trainer:", err)
		os.Exit(1)
	}
}

func run(args []string, getenv func(string) string) error {
	if len(args) != 1 || (args[0] != "train" && args[0] != "evaluate") {
		return fmt.Errorf("usage: churn-trainer train|evaluate (got %q)", args)
	}
	dataDir := getenv("MLFORM_DATASET_CHURN_DIR")
	if dataDir == "" {
		dataDir = getenv("MLFORM_DATA_DIR")
	}
	outDir := getenv("MLFORM_OUTPUT_DIR")
	if dataDir == "" || outDir == "" {
		return fmt.Errorf("MLFORM_DATA_DIR (or MLFORM_DATASET_CHURN_DIR) and MLFORM_OUTPUT_DIR must be set: run me through mlform")
	}
	rows, files, err := readDir(dataDir)
	if err != nil {
		return err
	}
	fmt.Printf("read %d rows from %d files\n", len(rows), files)

	if args[0] == "evaluate" {
		modelDir := getenv("MLFORM_MODEL_DIR")
		if modelDir == "" {
			return fmt.Errorf("MLFORM_MODEL_DIR must be set for evaluate")
		}
		m, err := readModel(filepath.Join(modelDir, "model.json"))
		if err != nil {
			return err
		}
		met := m.evaluate(rows)
		fmt.Printf("accuracy %.4f auc %.4f logloss %.4f on %d rows\n", met.Accuracy, met.AUC, met.LogLoss, met.Rows)
		return writeJSON(filepath.Join(outDir, "metrics.json"), met)
	}

	p, err := readParams(getenv("MLFORM_PARAMS_FILE"))
	if err != nil {
		return err
	}
	train, valid := split(rows)
	if len(train) == 0 || len(valid) == 0 {
		return fmt.Errorf("need rows in both the training and validation split, got %d and %d", len(train), len(valid))
	}
	// metrics.jsonl: one line per epoch, the training curves mlform report
	// draws (docs/training-contract.md).
	var curves bytes.Buffer
	m := fit(train, p, func(epoch int, m *model, loss float64) {
		fmt.Fprintf(&curves, "{\"epoch\": %d, \"train_logloss\": %.6f, \"valid_logloss\": %.6f}\n", epoch, loss, m.evaluate(valid).LogLoss)
		if epoch == 1 || epoch%10 == 0 || epoch == p.Epochs {
			fmt.Printf("epoch %d/%d training logloss %.4f\n", epoch, p.Epochs, loss)
		}
	})
	met := m.evaluate(valid)
	fmt.Printf("validation: accuracy %.4f auc %.4f logloss %.4f on %d rows\n", met.Accuracy, met.AUC, met.LogLoss, met.Rows)
	if err := writeJSON(filepath.Join(outDir, "model.json"), m); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(outDir, "metrics.jsonl"), curves.Bytes(), 0o644); err != nil {
		return err
	}
	return writeJSON(filepath.Join(outDir, "metrics.json"), met)
}
