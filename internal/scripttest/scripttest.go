// Package scripttest holds the testscript setup shared by mlform's
// end-to-end tests: the environment every script starts with and the extra
// commands scripts may use. Custom commands live one per file (cmd_*.go) and
// are listed in commands().
package scripttest

import (
	"github.com/rogpeppe/go-internal/testscript"
)

// Params returns testscript parameters for the scripts in dir.
func Params(dir string) testscript.Params {
	return testscript.Params{
		Dir:                 dir,
		RequireExplicitExec: false,
		Setup: func(env *testscript.Env) error {
			// Fixed clock and no colour so output is reproducible.
			env.Setenv("MLFORM_NOW", "2026-01-05T12:00:00Z")
			env.Setenv("NO_COLOR", "1")
			env.Setenv("HOME", env.WorkDir+"/.home")
			return nil
		},
		Cmds:      commands(),
		Condition: condition,
	}
}

// commands merges every command set (one per cmd_*.go file); a name
// defined twice is a mistake that panics at once.
func commands() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	sets := []func() map[string]func(ts *testscript.TestScript, neg bool, args []string){
		plannerCommands, executorCommands, stateCommands, modelCommands, cloudCommands,
		damageCommands, bucketCommands, waitCommands, sharedCommands, killCommands, reportCommands,
		slurmCommands, webhookCommands,
	}
	cmds := map[string]func(ts *testscript.TestScript, neg bool, args []string){}
	for _, set := range sets {
		for name, c := range set() {
			if _, dup := cmds[name]; dup {
				panic("scripttest: command " + name + " is defined twice")
			}
			cmds[name] = c
		}
	}
	return cmds
}

// condition answers a script's [COND] guards: [testhooks] (this test binary
// was built with the mlformtest tag, so mlform honours the MLFORM_TEST_*
// hooks; `make test` sets it), [browser] (headless Chromium is installed)
// [slurm] (the Slurm test cluster is up) and [cloud:NAME].
func condition(cond string) (bool, error) {
	if cond == "testhooks" {
		return testHooksBuilt, nil
	}
	if cond == "browser" {
		return browserCondition()
	}
	if cond == "slurm" {
		return slurmCondition()
	}
	return cloudCondition(cond)
}
