package lang

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"crypto/sha256"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/mlform/mlform/internal/readfile"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// MaxFileSize bounds every file the configuration reads: configuration
// and variables files, and what file functions read (configuration
// helpers, not data).
const MaxFileSize = 16 << 20

// fileFuncs are the functions that read files. Every path is relative to
// dir (absolute paths must lie inside it) and is opened through os.Root,
// so neither ".." nor a symlink can reach outside the configuration.
type fileFuncs struct {
	dir string
}

// rel turns a user path into one relative to the root, refusing escapes.
func (f fileFuncs) rel(p string) (string, error) {
	if p == "" {
		return "", errors.New("the path is empty")
	}
	if filepath.IsAbs(p) {
		root, err := filepath.Abs(f.dir)
		if err != nil {
			return "", err
		}
		r, err := filepath.Rel(root, p)
		if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
			return "", fmt.Errorf("%s is outside the configuration directory", p)
		}
		return r, nil
	}
	clean := filepath.Clean(p)
	if clean == ".." || strings.HasPrefix(clean, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("%s is outside the configuration directory", p)
	}
	return clean, nil
}

func (f fileFuncs) read(p string) ([]byte, error) {
	rel, err := f.rel(p)
	if err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(f.dir)
	if err != nil {
		return nil, fmt.Errorf("open configuration directory: %w", err)
	}
	defer root.Close()
	// readfile opens without blocking on a FIFO and refuses anything but
	// a regular file (a device could be read forever).
	data, err := readfile.ReadIn(root, rel, p, MaxFileSize)
	if err != nil {
		if errors.Is(err, readfile.ErrNotRegular) || errors.Is(err, readfile.ErrTooLarge) {
			return nil, err
		}
		return nil, pathError(p, err)
	}
	return data, nil
}

// pathError words file errors without the absolute paths of the machine.
func pathError(p string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("no file %s in the configuration directory (paths are relative to the workspace, in modules too: a module's own file is \"${path.module}/NAME\")", p)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%s: permission denied", p)
	case strings.Contains(err.Error(), "escapes from parent"), strings.Contains(err.Error(), "path escapes"):
		return fmt.Errorf("%s is outside the configuration directory", p)
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %v", p, pe.Err)
	}
	return fmt.Errorf("%s: %v", p, err)
}

// readFunc is a function of one path that reads the file (within the
// configuration directory, bounded) and returns what convert makes of it.
func (f fileFuncs) readFunc(ret cty.Type, convert func(path string, data []byte) (cty.Value, error)) function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{{Name: "path", Type: cty.String}},
		Type:   function.StaticReturnType(ret),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			data, err := f.read(args[0].AsString())
			if err != nil {
				return cty.UnknownVal(ret), function.NewArgError(0, err)
			}
			return convert(args[0].AsString(), data)
		},
	})
}

func (f fileFuncs) fileFunc() function.Function {
	return f.readFunc(cty.String, func(path string, data []byte) (cty.Value, error) {
		if !utf8.Valid(data) {
			return cty.UnknownVal(cty.String), function.NewArgErrorf(0, "%s is not UTF-8 text", path)
		}
		return cty.StringVal(string(data)), nil
	})
}

func (f fileFuncs) fileExistsFunc() function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{{Name: "path", Type: cty.String}},
		Type:   function.StaticReturnType(cty.Bool),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			p := args[0].AsString()
			rel, err := f.rel(p)
			if err != nil {
				return cty.UnknownVal(cty.Bool), function.NewArgError(0, err)
			}
			root, err := os.OpenRoot(f.dir)
			if err != nil {
				return cty.UnknownVal(cty.Bool), fmt.Errorf("open configuration directory: %w", err)
			}
			defer root.Close()
			st, err := root.Stat(rel)
			switch {
			case errors.Is(err, fs.ErrNotExist):
				return cty.False, nil
			case err != nil:
				return cty.UnknownVal(cty.Bool), function.NewArgError(0, pathError(p, err))
			}
			return cty.BoolVal(st.Mode().IsRegular()), nil
		},
	})
}

func (f fileFuncs) fileSHA256Func() function.Function {
	return f.readFunc(cty.String, func(_ string, data []byte) (cty.Value, error) {
		sum := sha256.Sum256(data)
		return cty.StringVal(hex.EncodeToString(sum[:])), nil
	})
}

// templateFileFunc renders a file as an HCL template with the given
// variables (an object) and funcs.
func (f fileFuncs) templateFileFunc(funcs map[string]function.Function) function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{
			{Name: "path", Type: cty.String},
			{Name: "vars", Type: cty.DynamicPseudoType},
		},
		Type: function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			p := args[0].AsString()
			data, err := f.read(p)
			if err != nil {
				return cty.UnknownVal(cty.String), function.NewArgError(0, err)
			}
			vars := args[1]
			if !vars.Type().IsObjectType() && !vars.Type().IsMapType() {
				return cty.UnknownVal(cty.String), function.NewArgErrorf(1, "template variables must be an object, like { name = \"x\" }")
			}
			diags := checkTemplateNesting(data, p)
			var expr hclsyntax.Expression
			if !diags.HasErrors() {
				expr, diags = hclsyntax.ParseTemplate(data, p, hcl.InitialPos)
			}
			if diags.HasErrors() {
				return cty.UnknownVal(cty.String), function.NewArgErrorf(0, "template %s: %s", p, diags.Error())
			}
			ctx := &hcl.EvalContext{Variables: map[string]cty.Value{}, Functions: funcs}
			if !vars.IsNull() {
				for k, v := range vars.AsValueMap() {
					if !hclsyntax.ValidIdentifier(k) {
						return cty.UnknownVal(cty.String), function.NewArgErrorf(1, "template variable name %q is not a valid identifier", k)
					}
					ctx.Variables[k] = v
				}
			}
			for _, t := range expr.Variables() {
				if _, ok := ctx.Variables[t.RootName()]; !ok {
					return cty.UnknownVal(cty.String), function.NewArgErrorf(1, "template %s uses %s, which is not among the variables given", p, t.RootName())
				}
			}
			CountLoops(expr)
			v, diags := EvalExpr(expr, ctx)
			if diags.HasErrors() {
				return cty.UnknownVal(cty.String), fmt.Errorf("template %s: %s", p, diags.Error())
			}
			s, err := toString(v)
			if err != nil {
				return cty.UnknownVal(cty.String), fmt.Errorf("template %s: %w", p, err)
			}
			return s, nil
		},
	})
}

func toString(v cty.Value) (cty.Value, error) {
	if v.IsNull() {
		return cty.NullVal(cty.String), errors.New("the result is null")
	}
	if v.Type() != cty.String {
		return cty.NilVal, fmt.Errorf("the result is %s, not a string", v.Type().FriendlyName())
	}
	return v, nil
}
