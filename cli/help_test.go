package cli

import (
	"testing"

	"github.com/spf13/cobra"
)

// Every command's --help shows an example (the help command itself and the
// hidden internal ones aside).
func TestEveryCommandHasExample(t *testing.T) {
	g := &Globals{Getenv: func(string) string { return "" }}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Hidden {
			return
		}
		if c.Name() != "help" && c.Example == "" {
			t.Errorf("%q has no example in its --help", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(NewRootCommand(g))
}
