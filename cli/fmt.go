package cli

import (
	"github.com/spf13/cobra"

	"github.com/mlform/mlform/config/diag"
	"github.com/mlform/mlform/config/format"
	"github.com/mlform/mlform/internal/readfile"
	"github.com/mlform/mlform/internal/termtext"
	"github.com/mlform/mlform/internal/textfmt"
)

func newFmtCommand(g *Globals) *cobra.Command {
	var opts struct {
		list, write, diff, check, recursive bool
	}
	cmd := &cobra.Command{
		Use:   "fmt [PATH...]",
		Short: "Rewrite *.mlf.hcl and *.mlfvars files to canonical format",
		Long: `Fmt rewrites configuration (*.mlf.hcl) and variables (*.mlfvars) files in
the canonical layout: aligned equals signs, two-space indentation. PATH may
be a file or a directory (default: the working directory); "-" formats
standard input to standard output. Files with syntax errors are reported
and left untouched.

Exit status: 0 on success; 1 on a syntax or I/O error, or with -check when
some file is not formatted.`,
		Example: `  mlform fmt
  mlform fmt -check -diff
  mlform fmt -recursive examples
  cat main.mlf.hcl | mlform fmt -`,
		RunE: func(cmd *cobra.Command, args []string) error {
			fo := format.Options{List: opts.list, Write: opts.write && !opts.check, Diff: opts.diff, Recursive: opts.recursive}
			// Standard input may never end (a pipe whose writer hangs):
			// Ctrl-C or SIGTERM must still end the command.
			// The formatted text is the user's configuration: printed as
			// it is, never with its address-like strings rewritten.
			out := rawOutput(g.Stdout)
			if writerIsTerminal(out) { // a file's name or text is shown, not obeyed
				tw := termtext.NewWriter(out)
				defer tw.Close()
				out = tw
			}
			res, err := format.Paths(args, fo, readfile.Interruptible(cmd.Context(), g.Stdin), out)
			if len(res.Diags) > 0 {
				_ = diag.Write(g.Stderr, res.Diags, res.Files, diagColor(g))
			}
			if err != nil {
				return err
			}
			if res.Diags.HasErrors() {
				return errSilent
			}
			if opts.check && len(res.Changed) > 0 {
				return &ExitError{Code: 1, Message: textfmt.Count(len(res.Changed), "file") + " not formatted; run mlform fmt"}
			}
			return nil
		},
	}
	fs := cmd.Flags()
	fs.BoolVar(&opts.list, "list", true, "list files whose formatting differs (-list=false to turn off)")
	fs.BoolVar(&opts.write, "write", true, "write the result to the files (-write=false to only list or diff)")
	fs.BoolVar(&opts.diff, "diff", false, "print the differences as a unified diff")
	fs.BoolVar(&opts.check, "check", false, "check only: change no file, list the unformatted ones and exit 1 if any")
	fs.BoolVar(&opts.recursive, "recursive", false, "also process files in subdirectories (hidden ones are skipped)")
	return cmd
}
