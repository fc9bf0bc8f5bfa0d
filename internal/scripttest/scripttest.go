// Package scripttest holds the testscript setup shared by mlform's
// end-to-end tests: the environment every script starts with and the extra
// commands scripts may use. Custom commands are listed, with their usage,
// in commands() and implemented in cmd_*.go, one file per area.
package scripttest

import (
	"strings"

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

// scriptCmd is a testscript command.
type scriptCmd = func(ts *testscript.TestScript, neg bool, args []string)

// command is one custom script command. A call negated with ! (unless
// negatable) or with fewer than min or more than max arguments (max < 0:
// no limit) stops the script with "usage: " + usage before run is called.
type command struct {
	usage     string // the command's name first
	min, max  int
	negatable bool
	run       scriptCmd
}

const killloopUsage = "killloop [-seed N] [-touch FILE] [-unlock LOCKFILE] KILLS COND... -- PROG ARGS..."

// commands lists every custom command; each is documented at its run
// function, in the cmd_*.go file of its area. A name defined twice is a
// mistake that panics at once.
func commands() map[string]scriptCmd {
	all := []command{
		// Plan/apply scenarios (cmd_planner.go).
		{usage: "gendata DIR FILES SIZE SEED", min: 4, max: 4, run: cmdGendata},
		{usage: "cptree SRC DST", min: 2, max: 2, run: cmdCptree},
		{usage: "cmptree DIR1 DIR2", min: 2, max: 2, negatable: true, run: cmdCmptree},
		{usage: "waitfile PATH [TIMEOUT]", min: 1, max: 2, run: cmdWaitfile},
		{usage: "exitcode N PROG [ARGS...]", min: 2, max: -1, run: cmdExitcode},
		{usage: "capture NAME stdout|stderr REGEXP", min: 3, max: 3, run: cmdCapture},
		{usage: "replace FILE OLD NEW", min: 3, max: 3, run: cmdReplace},
		// Executor and example scenarios, exec_*.txtar (cmd_executor.go).
		{usage: "pidsgone FILE", min: 1, max: 1, run: cmdPidsgone},
		{usage: "hostgo", run: cmdHostgo},
		{usage: "example NAME DIR", min: 2, max: 2, run: cmdExample},
		{usage: "reporoot VAR", min: 1, max: 1, run: cmdReporoot},
		// State scenarios, state_*.txtar (cmd_state.go).
		{usage: "lockrace exclusive|sequential ROUNDS HOLD TIMEOUT ARGS...", min: 5, max: -1, run: cmdLockrace},
		{usage: "statefile truncate FILE N | statefile replace FILE OLD NEW", min: 3, max: -1, run: cmdStatefile},
		// Model scenarios, model_*.txtar (cmd_model.go).
		{usage: "gencsv FILE ROWS SEED [SHIFT]", min: 3, max: 4, run: cmdGencsv},
		// Cloud scenarios against the S3, GCS and Azure test servers,
		// cloud_*.txtar (cmd_cloud.go).
		{usage: "cloud s3|gcs|azure", min: 1, max: 1, run: cmdCloud},
		{usage: "subst FILE NAME...", min: 2, max: -1, run: cmdSubst},
		{usage: "nosecrets PATH...", min: 1, max: -1, negatable: true, run: cmdNosecrets},
		// Damage a workspace by hand, the way a disk fault or a careless
		// user would: store_repair, pull_damaged (cmd_damage.go).
		{usage: "corrupt GLOB OFFSET", min: 2, max: 2, run: cmdCorrupt},
		// Put workspaces under key prefixes of the script's bucket and see
		// where every object landed, straight through gocloud.dev
		// (cmd_bucket.go).
		{usage: "bucketpath VAR PATH [NAME=VALUE]", min: 2, max: 3, run: cmdBucketPath},
		{usage: "bucketkeys PREFIX...", min: 1, max: -1, run: cmdBucketKeys},
		// Meet a background process at a known point instead of sleeping
		// (cmd_wait.go).
		{usage: "waitline FILE REGEXP [TIMEOUT]", min: 2, max: 3, run: cmdWaitline},
		// Shared-store scenarios: store_shared_*.txtar,
		// cloud_shared_gc*.txtar (cmd_shared.go).
		{usage: "cloudprefix VAR PREFIX", min: 2, max: 2, run: cmdCloudprefix},
		{usage: "sharedgc ROUNDS A B GATE", min: 4, max: 4, run: cmdSharedgc},
		// Kill a command at random condition points, then check what it
		// left: kill_*.txtar (cmd_kill.go).
		{usage: killloopUsage, max: -1, run: cmdKillloop},
		{usage: "nofiles DIRGLOB NAMEGLOB...", min: 2, max: -1, run: cmdNofiles},
		{usage: "pubcheck DIR", min: 1, max: 1, run: cmdPubcheck},
		{usage: "unlockif LOCKFILE", min: 1, max: 1, run: cmdUnlockif},
		// Check a site written by `mlform report`, report_*.txtar
		// (cmd_report.go).
		{usage: "sitelinks DIR", min: 1, max: 1, run: cmdSitelinks},
		{usage: "browsercheck DIR", min: 1, max: 1, run: cmdBrowsercheck},
		// Train on the single-node Slurm test cluster (cmd_slurm.go).
		{usage: "slurmenv", run: cmdSlurmenv},
		// Train on the Kubernetes test control plane (cmd_k8s.go).
		{usage: "k8senv", run: cmdK8senv},
		{usage: kubeUsage, min: 2, max: 4, run: cmdKube},
		// Copy a tracked repository file into the script (cmd_repofile.go).
		{usage: "repofile PATH DST", min: 2, max: 2, run: cmdRepoFile},
		// Loopback webhooks recording what notifications post
		// (cmd_webhook.go).
		{usage: "webhook URLVAR FILE [STATUS,...] | webhook -down URLVAR | webhook -hang URLVAR FILE", min: 2, max: 3, run: cmdWebhook},
	}
	cmds := make(map[string]scriptCmd, len(all))
	for _, c := range all {
		name, _, _ := strings.Cut(c.usage, " ")
		if _, dup := cmds[name]; dup {
			panic("scripttest: command " + name + " is defined twice")
		}
		cmds[name] = c.checked()
	}
	return cmds
}

// checked is c.run behind c's argument checks.
func (c command) checked() scriptCmd {
	return func(ts *testscript.TestScript, neg bool, args []string) {
		if (neg && !c.negatable) || len(args) < c.min || (c.max >= 0 && len(args) > c.max) {
			ts.Fatalf("usage: %s", c.usage)
		}
		c.run(ts, neg, args)
	}
}

// optionalArg is args[i] as parse reads it, or def when the script left
// that optional trailing argument out (checked has bounded len(args)).
func optionalArg[T any](ts *testscript.TestScript, args []string, i int, def T, parse func(string) (T, error)) T {
	if len(args) <= i {
		return def
	}
	v, err := parse(args[i])
	ts.Check(err)
	return v
}

// condition answers a script's [COND] guards: [testhooks] (this test binary
// was built with the mlformtest tag, so mlform honours the MLFORM_TEST_*
// hooks; `make test` sets it), [browser] (headless Chromium is installed)
// [slurm] (the Slurm test cluster is up), [k8s] (the Kubernetes test
// control plane is up) and [cloud:NAME].
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
	if cond == "k8s" {
		return k8sCondition()
	}
	return cloudCondition(cond)
}
