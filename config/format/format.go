package format

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/rogpeppe/go-internal/diff"

	"github.com/mlform/mlform/config"
	"github.com/mlform/mlform/config/lang"
	"github.com/mlform/mlform/internal/readfile"
)

// Format returns src in canonical layout. A file with syntax errors is
// not formatted: the diagnostics say why.
func Source(src []byte, filename string) ([]byte, hcl.Diagnostics) {
	if _, diags := config.ParseFile(src, filename); diags.HasErrors() {
		return nil, diags
	}
	return hclwrite.Format(src), nil
}

// Options are `mlform fmt`'s switches.
type Options struct {
	List      bool // print the names of files whose formatting differs
	Write     bool // rewrite those files
	Diff      bool // print a unified diff of the changes
	Recursive bool // descend into subdirectories
}

// Result is what Fmt found.
type Result struct {
	// Changed lists the files (as named to the user) whose formatting
	// differed, in the order visited.
	Changed []string
	// Diags holds syntax errors; such files are left untouched.
	Diags hcl.Diagnostics
	// Files holds the parsed files, for snippets.
	Files map[string]*hcl.File
}

// Fmt formats the *.mlf.hcl and *.mlfvars files named by paths (files or
// directories; "-" is stdin, written formatted to out). Names, diffs and
// stdin's result go to out. An error means a path could not be read or a
// file could not be written.
func Paths(paths []string, opts Options, in io.Reader, out io.Writer) (*Result, error) {
	if len(paths) == 0 {
		paths = []string{"."}
	}
	res := &Result{Files: map[string]*hcl.File{}}
	if slices.Contains(paths, "") {
		// fmt "$DIR" with DIR unset: say so (before any file is
		// rewritten), not "stat : no such file or directory".
		return res, errors.New(`fmt: a PATH is empty: give a file or directory (. for the working directory), or "-" for standard input`)
	}
	for _, p := range paths {
		if p == "-" {
			if err := fmtStdin(in, out, opts, res); err != nil {
				return res, err
			}
			continue
		}
		st, err := os.Stat(p)
		if err != nil {
			return res, fmt.Errorf("fmt %s: %w", p, err)
		}
		if !st.IsDir() {
			if !formattable(p) {
				return res, fmt.Errorf("fmt %s: only *%s and *%s files can be formatted", p, config.FileSuffix, config.VarsSuffix)
			}
			if err := fmtFile(p, out, opts, res); err != nil {
				return res, err
			}
			continue
		}
		files, err := listFormattable(p, opts.Recursive)
		if err != nil {
			return res, err
		}
		for _, f := range files {
			if err := fmtFile(f, out, opts, res); err != nil {
				return res, err
			}
		}
	}
	return res, nil
}

func formattable(name string) bool {
	return strings.HasSuffix(name, config.FileSuffix) || strings.HasSuffix(name, config.VarsSuffix)
}

// listFormattable lists the files to format under dir, sorted. Hidden
// directories (.git, .mlform) are never entered.
func listFormattable(dir string, recursive bool) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("fmt %s: %w", p, err)
		}
		if d.IsDir() {
			if p != dir && (!recursive || strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if formattable(d.Name()) && !linkToDir(p, d) {
			out = append(out, p)
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}

// linkToDir reports whether d is a symbolic link to a directory, which is
// skipped as a directory is. Every other entry with a formattable name is
// listed, as the loader reads it (config/load.go): a regular file or a link
// to one is formatted, and a dangling link, a FIFO or a device is an error
// naming it (fmtFile; a FIFO is not opened for reading, so fmt does not
// block on it), not skipped silently.
func linkToDir(p string, d fs.DirEntry) bool {
	if d.Type()&fs.ModeSymlink == 0 {
		return false
	}
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

func fmtStdin(in io.Reader, out io.Writer, opts Options, res *Result) error {
	src, err := io.ReadAll(io.LimitReader(in, lang.MaxFileSize+1))
	if err != nil {
		return fmt.Errorf("fmt: read stdin: %w", err)
	}
	if len(src) > lang.MaxFileSize {
		return fmt.Errorf("fmt: stdin is larger than the %d MiB limit for a configuration file", lang.MaxFileSize>>20)
	}
	const name = "<stdin>"
	formatted, diags := Source(src, name)
	if diags.HasErrors() {
		res.Diags = append(res.Diags, diags...)
		res.Files[name] = &hcl.File{Bytes: src}
		return nil
	}
	if !bytes.Equal(src, formatted) {
		res.Changed = append(res.Changed, name)
	}
	if opts.Diff {
		if d := diff.Diff("old/"+name, src, "new/"+name, formatted); len(d) > 0 {
			_, err = out.Write(d)
		}
		return err
	}
	if opts.Write {
		_, err = out.Write(formatted)
	}
	return err
}

func fmtFile(path string, out io.Writer, opts Options, res *Result) error {
	src, err := readfile.Read(path, lang.MaxFileSize)
	if err != nil {
		if target, lerr := os.Readlink(path); lerr == nil && errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("fmt %s: it is a symbolic link to %s, which does not exist", path, target)
		}
		return fmt.Errorf("fmt %s: %w", path, err)
	}
	formatted, diags := Source(src, path)
	if diags.HasErrors() {
		res.Diags = append(res.Diags, diags...)
		if f, _ := config.ParseFile(src, path); f != nil {
			res.Files[path] = f
		}
		return nil
	}
	if bytes.Equal(src, formatted) {
		return nil
	}
	res.Changed = append(res.Changed, path)
	if opts.List {
		fmt.Fprintln(out, path)
	}
	if opts.Diff {
		if _, err := out.Write(diff.Diff("old/"+path, src, "new/"+path, formatted)); err != nil {
			return err
		}
	}
	if opts.Write {
		if err := replaceFile(path, formatted); err != nil {
			return fmt.Errorf("fmt %s: %w", path, err)
		}
	}
	return nil
}

// replaceFile writes data to path through a temporary file and a rename,
// keeping the file's mode: a crash leaves the old or the new file, never
// half of one. A symbolic link is followed: the file it names is
// replaced, and the link stays a link.
func replaceFile(path string, data []byte) error {
	path, err := filepath.EvalSymlinks(path)
	if err != nil {
		return err
	}
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(st.Mode().Perm()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
