package cli

import (
	"strings"

	"github.com/mlform/mlform/internal/objname"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
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
			if long[name] {
				a = "-" + a
			}
		}
		out = append(out, canonicalArg(a))
	}
	return out
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
