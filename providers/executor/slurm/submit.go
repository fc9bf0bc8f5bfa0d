package slurm

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/mlform/mlform/providers/executor"
)

// clientEnv is the environment of scontrol, scancel and sacct: the one
// every step inherits, plus SLURM_CONF so the Slurm commands find a cluster
// configured outside /etc/slurm.
func clientEnv(getenv func(string) string) []string { return jobEnv(getenv, nil) }

// jobEnv is a job's environment: the task's over the inherited variables.
func jobEnv(getenv func(string) string, task map[string]string) []string {
	return executor.BuildEnv(getenv, task, "SLURM_CONF")
}

// JobName names a task's job so `squeue` shows what runs:
// "mlform-churn-v3-train", with the task's Attempt when set
// ("mlform-churn-v3-train-1a2b3c4d5e6f").
func JobName(t executor.Task) string {
	// Instance and module addresses (churn["eu"], module.x.model.churn)
	// carry quotes and brackets: a job name keeps to the characters every
	// Slurm tool prints and parses unchanged.
	model := strings.Map(func(r rune) rune {
		if r == '-' || r == '.' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return r
		}
		return '_'
	}, t.Model)
	name := fmt.Sprintf("mlform-%s-%s", model, t.Step)
	if t.Version > 0 {
		name = fmt.Sprintf("mlform-%s-v%d-%s", model, t.Version, t.Step)
	}
	if t.Attempt != "" {
		name += "-" + t.Attempt
	}
	return name
}

// Submit submits the task as a batch job and returns its id, for the
// caller to record before waiting (Attach), so that a later process can
// collect a job that outlived the one that submitted it. The command and
// working directory are checked on this machine first: a step that cannot
// start is an error here, not a failed job later.
//
// The job's environment is the task's Env over a few inherited variables
// (as with the local executor); it is handed to sbatch through sbatch's
// own environment (--export=ALL), never on a command line.
func (e *Executor) Submit(ctx context.Context, t executor.Task) (string, error) {
	if err := t.Validate(); err != nil {
		return "", err
	}
	for k := range t.Env {
		// sbatch reads SBATCH_* and a few SLURM_* variables from its
		// environment (sbatch(1), "INPUT ENVIRONMENT VARIABLES"); a
		// step's environment must not change how or where it is
		// submitted: SLURM_CONF or SLURM_CLUSTERS would send the job to
		// another cluster than the one scontrol and scancel then ask.
		if strings.HasPrefix(k, "SBATCH_") || sbatchInputEnv[k] {
			return "", fmt.Errorf("%s task for %s: environment variable %s would be read by sbatch as an option; use the slurm settings instead", t.Step, t.Label(), k)
		}
	}
	dir, err := workDir(t.Dir)
	if err != nil {
		return "", fmt.Errorf("%s task for %s: %w", t.Step, t.Label(), err)
	}
	env := jobEnv(e.opts.Getenv, t.Env)
	prog, err := executor.ResolveCommand(t.Command[0], dir, executor.EnvValue(env, "PATH"))
	if err != nil {
		return "", fmt.Errorf("%s task for %s: command %s", t.Step, t.Label(), err)
	}
	scratch := e.opts.ScratchDir
	if scratch == "" {
		scratch = os.TempDir()
	}
	jobDir, err := os.MkdirTemp(scratch, scratchPrefix)
	if err != nil {
		return "", fmt.Errorf("%s task for %s: scratch directory: %w", t.Step, t.Label(), err)
	}
	if strings.Contains(jobDir, "%") {
		_ = os.RemoveAll(jobDir)
		return "", fmt.Errorf("%s task for %s: scratch directory %s contains %%, which sbatch would expand", t.Step, t.Label(), jobDir)
	}
	out, errf := filepath.Join(jobDir, "stdout"), filepath.Join(jobDir, "stderr")
	args := []string{
		"--parsable", "--job-name=" + JobName(t), "--chdir=" + dir,
		"--output=" + out, "--error=" + errf, "--input=/dev/null",
		"--export=ALL", "--no-requeue",
	}
	if t.Timeout > 0 {
		// Slurm counts whole minutes; Attach enforces the exact timeout
		// while it watches, this is the limit when nothing does.
		args = append(args, fmt.Sprintf("--time=%d", int((t.Timeout+time.Minute-1)/time.Minute)))
	}
	args = append(args, e.opts.sbatchArgs()...)
	script := batchScript(t, prog)
	// sbatch is not cancelled with ctx: killed mid-submission it may
	// leave a job whose id nobody learnt. Run cancels what it submitted.
	res, err := e.command(context.WithoutCancel(ctx), env, []byte(script), "sbatch", args...)
	if err != nil {
		_ = os.RemoveAll(jobDir)
		werr := fmt.Errorf("%s task for %s: submit: %w", t.Step, t.Label(), err)
		if why, ok := refused(err); ok {
			return "", &executor.RefusedError{Settings: e.opts.refusedSettings(why), Err: werr}
		}
		return "", werr
	}
	id, _, _ := strings.Cut(strings.TrimSpace(res), ";") // "ID;CLUSTER"
	if id == "" || strings.ContainsAny(id, " \t\n") {
		_ = os.RemoveAll(jobDir)
		return "", fmt.Errorf("%s task for %s: sbatch printed %q, want a job id", t.Step, t.Label(), truncate(res, 100))
	}
	return id, nil
}

// sbatchInputEnv are the variables besides SBATCH_* that sbatch reads
// from its environment (sbatch(1), "INPUT ENVIRONMENT VARIABLES").
var sbatchInputEnv = map[string]bool{
	"SLURM_CONF": true, "SLURM_CLUSTERS": true, "SLURM_HINT": true, "SLURM_DEBUG_FLAGS": true,
	"SLURM_EXIT_ERROR": true, "SLURM_STEP_KILLED_MSG_NODE_ID": true, "SLURM_UMASK": true,
}

// scratchPrefix starts the name of every job's scratch directory; Attach
// removes only directories named so.
const scratchPrefix = "mlform-slurm-"

// sbatchArgs are the flags from the executor's settings.
func (o Options) sbatchArgs() []string {
	var a []string
	add := func(flag, v string) {
		if v != "" {
			a = append(a, flag+"="+v)
		}
	}
	add("--partition", o.Partition)
	add("--account", o.Account)
	add("--qos", o.QOS)
	if o.CPUs > 0 {
		add("--cpus-per-task", fmt.Sprint(o.CPUs))
	}
	add("--mem", o.Memory)
	if o.GPUs != "" {
		add("--gres", "gpu:"+o.GPUs)
	}
	add("--constraint", o.Constraint)
	return append(a, o.ExtraArgs...)
}

// batchScript is the job's script: exec the command, so the batch step is
// the command itself and scancel's signals reach it directly.
func batchScript(t executor.Task, prog string) string {
	var b strings.Builder
	b.WriteString("#!/bin/sh\n")
	fmt.Fprintf(&b, "# mlform %s step of %s\n", t.Step, t.Label())
	b.WriteString("exec " + shellQuote(prog))
	for _, a := range t.Command[1:] {
		b.WriteString(" " + shellQuote(a))
	}
	b.WriteString("\n")
	return b.String()
}

// shellQuote quotes s for sh: inside single quotes, each single quote
// closes the quoting, is escaped with a backslash and reopens it.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func workDir(dir string) (string, error) {
	if dir == "" {
		return os.Getwd()
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	info, err := os.Stat(abs)
	if err != nil {
		return "", fmt.Errorf("working directory: %w", err)
	}
	if !info.IsDir() {
		return "", fmt.Errorf("working directory %s is not a directory", abs)
	}
	return abs, nil
}

// refused reports whether sbatch's failure err is a refusal, and what
// sbatch said: sbatch ran and exited non-zero (its own checks, or the
// controller's answer), not a failure to reach the controller, where
// whether a job was queued is not known.
func refused(err error) (string, bool) {
	var exit *exec.ExitError
	var cerr *commandError
	if !errors.As(err, &exit) || exit.ExitCode() <= 0 || !errors.As(err, &cerr) {
		return "", false
	}
	msg := strings.ToLower(cerr.Stderr)
	for _, unsure := range []string{"unable to contact", "timed out", "zero bytes were transmitted", "connection refused", "communication", "slurm_persist_conn"} {
		if strings.Contains(msg, unsure) {
			return "", false
		}
	}
	return cerr.Stderr, true
}

// refusedSettings names the settings, among those set, that sbatch's
// refusal msg is about (Slurm's own wording, slurm_errno.c and sbatch's
// option checks); none when it does not say.
func (o Options) refusedSettings(msg string) []string {
	msg = strings.ToLower(msg)
	// sbatch quotes the value it refused ("invalid partition specified:
	// gpu"): values are not words about a setting.
	for _, v := range append([]string{o.Partition, o.Account, o.QOS, o.Memory, o.GPUs, o.Constraint}, o.ExtraArgs...) {
		if v != "" {
			msg = strings.ReplaceAll(msg, strings.ToLower(v), " ")
		}
	}
	set := map[string]bool{
		"partition": o.Partition != "", "account": o.Account != "", "qos": o.QOS != "",
		"cpus": o.CPUs > 0, "memory": o.Memory != "", "gpus": o.GPUs != "", "constraint": o.Constraint != "",
		"extra_args": len(o.ExtraArgs) > 0,
	}
	var out []string
	add := func(names ...string) {
		for _, n := range names {
			if set[n] && !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(msg, w) {
				return true
			}
		}
		return false
	}
	if has("partition") {
		add("partition")
	}
	if has("account") {
		add("account")
	}
	if has("qos") {
		add("qos")
	}
	if has("gres", "generic resource") {
		add("gpus")
	}
	if has("feature", "constraint") {
		add("constraint")
	}
	if has("memory", "--mem") {
		add("memory")
	}
	if has("processors", "cpus") {
		add("cpus")
	}
	if has("node configuration is not available", "requested nodes are busy", "resource") && len(out) == 0 {
		// Slurm does not say which of the resources asked for no node has.
		add("cpus", "memory", "gpus", "constraint")
	}
	if len(out) == 0 && !has("time limit") { // the step's timeout, not a setting
		// Whatever sbatch refused that the settings above do not cover
		// came from the flags passed as they were.
		add("extra_args")
	}
	return out
}
