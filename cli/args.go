package cli

import (
	"bytes"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/mlform/mlform/internal/objname"
)

// NormalizeArgs lets users type flags the way Terraform users do: a single
// dash before a long flag name (-chdir=DIR, -auto-approve, -var=a=b) works
// exactly like cobra's double-dash form. pflag would otherwise read "-abc" as
// the shorthands a, b and c. mlform defines no one-letter shorthands besides
// -h, so any single-dash word whose name is a long flag somewhere in the
// command tree is rewritten to the double-dash form. Everything after "--" is
// left alone.
//
// Addresses of objects in modules, written as Terraform writes them
// (module.region["eu"].model.churn, alone or as a flag's value), become
// the form mlform keeps (model.module.region["eu"].churn:
// internal/objname), so every command that takes an address takes them.
func NormalizeArgs(root *cobra.Command, args []string) []string {
	long := map[string]bool{}
	var walk func(c *cobra.Command)
	add := func(f *pflag.Flag) { long[f.Name] = true }
	walk = func(c *cobra.Command) {
		c.LocalFlags().VisitAll(add)
		c.PersistentFlags().VisitAll(add)
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	long["help"] = true
	long["version"] = true // added by cobra only when the command line is parsed

	out := make([]string, 0, len(args))
	for i, a := range args {
		if a == "--" {
			out = append(out, args[i:]...)
			break
		}
		if len(a) > 2 && a[0] == '-' && a[1] != '-' {
			name := a[1:]
			if eq := strings.IndexByte(name, '='); eq >= 0 {
				name = name[:eq]
			}
			// The word being completed (`mlform plan -tar<TAB>`, the last
			// argument of cobra's __complete) is a prefix of a long flag:
			// typed with one dash, cobra would match it only against
			// shorthands and offer nothing.
			if long[name] || (i == len(args)-1 && completingSingleDash(args)) {
				a = "-" + a
			}
		}
		out = append(out, canonicalArg(a))
	}
	return out
}

// completingSingleDash reports whether args is a shell's completion request
// (cobra's __complete) for a flag typed with one dash: `mlform plan -tar`.
// NormalizeArgs asks cobra for the long flags, and singleDashCompletions
// gives them back with one dash, as typed: shells keep only completions that
// start with the word being completed.
func completingSingleDash(args []string) bool {
	if len(args) < 2 || (args[0] != cobra.ShellCompRequestCmd && args[0] != cobra.ShellCompNoDescRequestCmd) {
		return false
	}
	a := args[len(args)-1]
	return len(a) > 1 && a[0] == '-' && a[1] != '-' && !strings.Contains(a, "=")
}

// singleDashCompletions writes cobra's completion lines with the flags'
// leading "--" as "-" (cobra writes one line per write).
type singleDashCompletions struct{ w io.Writer }

func (s singleDashCompletions) Write(p []byte) (int, error) {
	if _, err := s.w.Write(bytes.ReplaceAll(append([]byte("\n"), p...), []byte("\n--"), []byte("\n-"))[1:]); err != nil {
		return 0, err
	}
	return len(p), nil
}

// canonicalArg turns a module address, or a flag whose value is one, into
// the form mlform keeps; anything else comes back as given (and an
// address that does not parse is then reported by the command).
func canonicalArg(a string) string {
	flag, value := "", a
	if strings.HasPrefix(a, "-") {
		eq := strings.IndexByte(a, '=')
		if eq < 0 {
			return a
		}
		flag, value = a[:eq+1], a[eq+1:]
	}
	if !strings.HasPrefix(value, "module.") {
		return a
	}
	c, err := objname.Canonical(value)
	if err != nil {
		return a
	}
	return flag + c
}
