package step

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckOutputNames(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"model.bin", "mlform-manifest.json", "sub/.mlform-tmp-a", "sub/ok"} {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	err := CheckOutputNames(dir)
	if err == nil {
		t.Fatal("reserved outputs accepted")
	}
	for _, want := range []string{"MLFORM_OUTPUT_DIR/mlform-manifest.json: reserved output name", "MLFORM_OUTPUT_DIR/sub/.mlform-tmp-a"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "model.bin") || strings.Contains(err.Error(), dir) {
		t.Errorf("error %q names an allowed file or the temporary directory", err)
	}
	if err := os.RemoveAll(filepath.Join(dir, "mlform-manifest.json")); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(dir, "sub/.mlform-tmp-a")); err != nil {
		t.Fatal(err)
	}
	if err := CheckOutputNames(dir); err != nil {
		t.Errorf("allowed outputs refused: %v", err)
	}
}
