package remote

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// InstallSubcommand is the argv after the binary that copies it:
// `mlform step install DEST`. A Kubernetes init container runs it from an
// image holding mlform (the repository's Dockerfile) to put the binary on a volume
// the step's container shares, whatever that container's image is.
var InstallSubcommand = []string{"step", "install"}

// Install copies the binary at self (the running mlform) to dest, an
// absolute path, as an executable file: written under a temporary name
// in dest's directory and renamed, so a reader never sees half a binary.
// It needs no shell or cp in the image it runs from.
func Install(self, dest string) error {
	if !filepath.IsAbs(dest) {
		return fmt.Errorf("install mlform to %q: want an absolute path", dest)
	}
	src, err := os.Open(self)
	if err != nil {
		return fmt.Errorf("install mlform: %w", err)
	}
	defer src.Close()
	info, err := src.Stat()
	if err != nil {
		return fmt.Errorf("install mlform: %w", err)
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("install mlform: %s is not a regular file", self)
	}
	dir := filepath.Dir(dest)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("install mlform: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".mlform-install-*")
	if err != nil {
		return fmt.Errorf("install mlform: %w", err)
	}
	_, cerr := io.Copy(tmp, src)
	err = errors.Join(cerr, tmp.Chmod(0o755), tmp.Sync(), tmp.Close())
	if err == nil {
		err = os.Rename(tmp.Name(), dest)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("install mlform to %s: %w", dest, err)
	}
	return nil
}
