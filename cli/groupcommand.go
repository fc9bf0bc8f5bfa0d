package cli

import (
	"github.com/spf13/cobra"

	"github.com/mlform/mlform/cli/flags"
)

// usageError shows a command's help on stderr and fails: a command that
// only groups subcommands (mlform, mlform state) given none is a usage
// error, as with git, so a script that lost its arguments does not pass.
func usageError(g *Globals) func(cmd *cobra.Command, args []string) error {
	return func(cmd *cobra.Command, args []string) error {
		cmd.SetOut(g.Stderr)
		_ = cmd.Help()
		return errSilent
	}
}

// groupCommand makes cmd a command that only groups subcommands (mlform,
// mlform state, mlform metrics, mlform completion), adding subs to it: bare
// it is a usage error, and a misspelt subcommand gets a suggestion. Both
// checks are set in this one place so that no group misses one.
func groupCommand(g *Globals, cmd *cobra.Command, subs ...*cobra.Command) *cobra.Command {
	cmd.Args, cmd.RunE = flags.UnknownCommand, usageError(g)
	cmd.AddCommand(subs...)
	return cmd
}
