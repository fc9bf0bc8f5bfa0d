package slurm

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/mlform/mlform/providers/executor"
)

var (
	memoryRe = regexp.MustCompile(`^[0-9]+[KMGT]?$`)
	gpusRe   = regexp.MustCompile(`^(0|([A-Za-z0-9_.-]+:)?[1-9][0-9]*)$`)
	// nameRe is a Slurm name, list or feature expression: no spaces, no
	// quotes, nothing a shell or sbatch's own parser would split.
	nameRe = regexp.MustCompile(`^[A-Za-z0-9_.,:&|()\[\]!*+@-]+$`)
)

// matches returns a Check accepting strings that re matches.
func matches(re *regexp.Regexp, want string) func(any) error {
	return func(v any) error {
		if s := v.(string); !re.MatchString(s) {
			return fmt.Errorf("%q is not %s", s, want)
		}
		return nil
	}
}

// settings declares the `slurm { ... }` block of an environment. Every
// setting is placement (which queue, which nodes, how much of them), so
// none is part of a version's fingerprint: see executor.Setting.
var settings = []executor.Setting{
	{Name: "partition", Type: executor.String, Doc: "sbatch --partition: the partition (or comma-separated partitions) to submit to",
		Check: matches(nameRe, "a partition name")},
	{Name: "account", Type: executor.String, Doc: "sbatch --account: the account charged for the job",
		Check: matches(nameRe, "an account name")},
	{Name: "qos", Type: executor.String, Doc: "sbatch --qos: the quality of service",
		Check: matches(nameRe, "a quality of service name")},
	{Name: "cpus", Type: executor.Int, Doc: "sbatch --cpus-per-task: CPUs for the step",
		Check: func(v any) error {
			if v.(int) < 1 {
				return fmt.Errorf("%d is not a positive whole number", v)
			}
			return nil
		}},
	{Name: "memory", Type: executor.String, Doc: `sbatch --mem: memory per node, megabytes or with a K, M, G or T suffix ("16G")`,
		Check: matches(memoryRe, `megabytes, or a size with a K, M, G or T suffix ("16G")`)},
	{Name: "gpus", Type: executor.String, Doc: `sbatch --gres=gpu:N: a GPU count (2) or type and count ("a100:2"); 0 asks for none (as if unset), so a fleet can write gpus = each.value.gpus`,
		Check: matches(gpusRe, `a GPU count (2, or 0 for none) or type:count ("a100:2")`)},
	{Name: "constraint", Type: executor.String, Doc: `sbatch --constraint: a node feature expression ("ib&v100")`,
		Check: matches(nameRe, "a node feature expression without spaces")},
	{Name: "binary", Type: executor.String, Doc: "the mlform binary jobs run, an absolute path every node sees (default: the mlform running apply)",
		Check: func(v any) error {
			if p := v.(string); !filepath.IsAbs(p) || filepath.Clean(p) != p {
				return fmt.Errorf("%q is not a clean absolute path (the nodes run it from the path given)", p)
			}
			return nil
		}},
	{Name: "extra_args", Type: executor.StringList, Doc: `further sbatch flags, one a word ("--exclusive", "--nice=10")`,
		Check: func(v any) error { _, err := parseExtraArgs(v.([]string)); return err }},
}

// Spec declares the Slurm executor: its factory, its settings block and
// the check of settings that conflict. It honours none of the shared
// environment arguments beyond executor, files and env: `image` is refused
// by validate until jobs run in containers.
func Spec() executor.Spec {
	return executor.Spec{Factory: Factory, Settings: settings, Validate: validate}
}

// Factory builds a Slurm executor from its decoded settings (see Spec).
func Factory(s executor.Settings) (executor.Executor, error) {
	return New(OptionsFrom(s)), nil
}

// OptionsFrom reads decoded settings into Options (the cluster-facing
// fields; the rest keep their defaults).
func OptionsFrom(s executor.Settings) Options {
	extra, _ := parseExtraArgs(s.Strings("extra_args"))
	return Options{
		Partition: s.String("partition"), Account: s.String("account"), QOS: s.String("qos"),
		CPUs: s.Int("cpus"), Memory: s.String("memory"), GPUs: gpus(s.String("gpus")),
		Constraint: s.String("constraint"), ExtraArgs: extra, Binary: s.String("binary"),
	}
}

// gpus is the gpus setting as --gres takes it: "0" asks for none.
func gpus(v string) string {
	if v == "0" {
		return ""
	}
	return v
}

// validate refuses settings that conflict: two --gres flags would leave
// only the last, silently dropping the GPUs; and sbatch refuses --mem
// (the memory setting) with --mem-per-cpu or --mem-per-gpu, and
// --cpus-per-task (cpus) with --cpus-per-gpu, which would fail every
// submission after a version number was spent.
func validate(s executor.Settings) error {
	for i, a := range s.Strings("extra_args") {
		name, _, _ := strings.Cut(a, "=")
		var problem string
		switch {
		case name == "--gres" && gpus(s.String("gpus")) != "":
			problem = "--gres conflicts with the gpus setting (sbatch keeps only the last --gres); put every resource in extra_args' --gres, or use gpus alone"
		case (name == "--mem-per-cpu" || name == "--mem-per-gpu") && s.String("memory") != "":
			problem = name + " conflicts with the memory setting (--mem): sbatch refuses both; use one of them"
		case name == "--cpus-per-gpu" && s.Int("cpus") != 0:
			problem = name + " conflicts with the cpus setting (--cpus-per-task): sbatch refuses both; use one of them"
		default:
			continue
		}
		return &executor.SettingError{Executor: Name, Setting: "extra_args", Element: i + 1, Problem: problem}
	}
	return nil
}

// reserved are the sbatch flags the executor sets itself (or that would
// change how it follows the job or what runs), with the setting to use
// instead where there is one.
var reserved = map[string]string{
	"--parsable": "", "--job-name": "", "-J": "", "--output": "", "-o": "",
	"--error": "", "-e": "", "--input": "", "-i": "", "--chdir": "", "-D": "",
	"--export": "", "--export-file": "", "--get-user-env": "", "--time": "timeout", "-t": "timeout",
	"--wrap": "", "--requeue": "", "--no-requeue": "", "--array": "", "-a": "",
	"--wait": "", "-W": "", "--test-only": "", "--hold": "", "-H": "",
	"--open-mode": "", "--signal": "", "--cluster": "", "--clusters": "", "-M": "",
	"--container": "", "--container-id": "", "--uid": "", "--gid": "",
	"--partition": "partition", "-p": "partition", "--account": "account", "-A": "account",
	"--qos": "qos", "-q": "qos", "--cpus-per-task": "cpus", "-c": "cpus",
	"--mem": "memory", "--gpus": "gpus", "-G": "gpus", "--constraint": "constraint", "-C": "constraint",
	// sbatch would submit the job without printing its id, which the
	// executor follows it by: the job would run with no one collecting it.
	"--quiet": quietFlag, "-Q": quietFlag,
	// sbatch would print something and exit without submitting.
	"--help": exitFlag, "-h": exitFlag, "--usage": exitFlag, "--version": exitFlag, "-V": exitFlag,
}

// Markers in reserved for flags that no setting covers and that the
// executor does not set either, but that break submission.
const (
	quietFlag = "!quiet"
	exitFlag  = "!exit"
)

// parseExtraArgs checks extra_args: every word is one flag, `--name`,
// `--name=value` or a two-character `-x`, and none is one the executor
// sets or a setting covers. A bare word is refused, since sbatch would
// take it for the batch script (running a file instead of the step), and
// so is a long flag that abbreviates a reserved one (getopt accepts
// `--out=` for `--output=`) or a cluster of short flags (`-vp gpu`).
func parseExtraArgs(args []string) ([]string, error) {
	for i, a := range args {
		if err := checkExtraArg(a); err != nil {
			return nil, &executor.ElementError{Index: i, Err: err}
		}
	}
	return args, nil
}

func checkExtraArg(a string) error {
	if strings.ContainsAny(a, "\x00\n\r") {
		return fmt.Errorf("%q holds a control character", a)
	}
	var name string
	switch {
	case strings.HasPrefix(a, "--") && len(a) > 2:
		name, _, _ = strings.Cut(a, "=")
	case len(a) == 2 && a[0] == '-' && a[1] != '-':
		name = a
	case strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "--"):
		return fmt.Errorf("%q: write short flags alone (%q) or use the long form with = (\"--nodelist=node1\")", a, a[:min(len(a), 2)])
	default:
		return fmt.Errorf("%q is not an sbatch flag: give each flag as one word, with its value after = (\"--nice=10\")", a)
	}
	if setting, ok := reserved[name]; ok {
		switch setting {
		case "":
			return fmt.Errorf("%q: %s is set by the executor itself", a, name)
		case "timeout":
			return fmt.Errorf("%q: %s comes from the step's timeout", a, name)
		case quietFlag:
			return fmt.Errorf("%q: %s hides the job id sbatch prints, which the executor follows the job by (the job would run with no one collecting it)", a, name)
		case exitFlag:
			return fmt.Errorf("%q: %s makes sbatch print and exit without submitting the job", a, name)
		}
		return fmt.Errorf("%q: for %s use the %s setting", a, name, setting)
	}
	if strings.HasPrefix(name, "--") {
		for r := range reserved {
			if strings.HasPrefix(r, name) {
				return fmt.Errorf("%q: %s abbreviates %s, which is reserved; write the full name of the flag you mean", a, name, r)
			}
		}
	}
	return nil
}
