package slurm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/mlform/mlform/providers/executor"
)

// ErrUnknownJob is returned (wrapped) when neither the controller nor the
// accounting database knows a job: a wrong id, or a finished job purged
// from slurmctld's memory (MinJobAge) on a cluster without accounting.
var ErrUnknownJob = fmt.Errorf("job unknown to Slurm (%w)", executor.ErrJobGone)

// JobInfo is what Slurm says about a job.
type JobInfo struct {
	ID, Name string
	// State is Slurm's job state: PENDING, RUNNING, COMPLETING, COMPLETED,
	// FAILED, TIMEOUT, CANCELLED, NODE_FAIL, PREEMPTED, OUT_OF_MEMORY, ...
	State string
	// Reason is why the job waits or ended ("Resources", "NonZeroExitCode");
	// "" for Slurm's "None".
	Reason string
	// ExitCode is the batch script's exit code, or 128+N when signal N
	// ended it.
	ExitCode int
	// Node is the node running the batch script ("" until it starts).
	Node string
	// Submit, Start and End are zero while unknown.
	Submit, Start, End time.Time
	// Stdout and Stderr are the paths of the job's output files.
	Stdout, Stderr string
}

// Terminal reports whether the job has ended for good: Slurm will not
// run it again and its processes are gone (COMPLETING is not terminal).
func (j JobInfo) Terminal() bool {
	switch j.State {
	case "COMPLETED", "FAILED", "TIMEOUT", "CANCELLED", "NODE_FAIL", "PREEMPTED",
		"OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE", "REVOKED", "SPECIAL_EXIT":
		return true
	}
	return false
}

// Query asks Slurm about job id: scontrol first, then sacct for a job the
// controller has forgotten.
func (e *Executor) Query(ctx context.Context, id string) (JobInfo, error) {
	out, err := e.command(ctx, nil, nil, "scontrol", "show", "job", "-o", id)
	if err == nil {
		info, perr := parseScontrol(out)
		if perr != nil {
			return JobInfo{}, fmt.Errorf("slurm job %s: %w", id, perr)
		}
		return info, nil
	}
	// The controller's answer for a job it has forgotten (MinJobAge) or
	// never had; anything else (a controller down) is not an answer.
	var cerr *commandError
	if !errors.As(err, &cerr) || !strings.Contains(cerr.Stderr, "Invalid job id") {
		return JobInfo{}, fmt.Errorf("slurm job %s: %w", id, err)
	}
	out, aerr := e.command(ctx, nil, nil, "sacct", "-n", "-P", "-X", "-j", id,
		"-o", "JobID,JobName,State,ExitCode,NodeList,Submit,Start,End,Reason")
	if aerr != nil {
		return JobInfo{}, fmt.Errorf("slurm job %s: %w (the controller has forgotten it and sacct failed: %v)", id, ErrUnknownJob, aerr)
	}
	info, perr := parseSacct(id, out)
	if perr != nil {
		return JobInfo{}, fmt.Errorf("slurm job %s: %w", id, perr)
	}
	return info, nil
}

// commandTimeout bounds one Slurm command.
const commandTimeout = 2 * time.Minute

// command runs one Slurm command with the environment env (nil: the
// variables Slurm's commands need from ours) and stdin, returning its
// stdout; a failure carries its stderr.
func (e *Executor) command(ctx context.Context, env []string, stdin []byte, name string, args ...string) (string, error) {
	path := name
	if e.opts.Commands != "" {
		path = filepath.Join(e.opts.Commands, name)
	}
	// A controller that stops answering must not hang a stop or a
	// query forever; Slurm's own client timeouts are shorter.
	ctx, cancel := context.WithTimeout(ctx, commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	if env == nil {
		env = clientEnv(e.opts.Getenv)
	}
	cmd.Env = env
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		// Slurm's commands start their messages with their own name
		// ("sbatch: error: ..."); it is said once.
		msg := strings.TrimPrefix(strings.TrimSpace(stderr.String()), name+": ")
		return "", &commandError{Command: name, Stderr: msg, Err: err}
	}
	return stdout.String(), nil
}

// commandError is a Slurm command that failed: its name, what it said on
// stderr (without its own "name: " prefix) and how it ended (an
// *exec.ExitError, a context's error, a command not found).
type commandError struct {
	Command string // "scontrol", "sbatch", ...
	Stderr  string
	Err     error
}

func (e *commandError) Error() string {
	if e.Stderr == "" {
		return fmt.Sprintf("%s: %v", e.Command, e.Err)
	}
	return fmt.Sprintf("%s: %s (%v)", e.Command, e.Stderr, e.Err)
}

func (e *commandError) Unwrap() error { return e.Err }

// keyRe finds the start of each Key=Value pair in `scontrol -o` output.
var keyRe = regexp.MustCompile(`(?:^|\s)([A-Za-z][A-Za-z0-9:/_]*)=`)

// parseScontrol reads the one-line form of `scontrol show job -o ID`.
// Values run to the next key, so a value with spaces (a working
// directory) is read whole.
func parseScontrol(out string) (JobInfo, error) {
	line := strings.TrimSpace(out)
	if i := strings.IndexByte(line, '\n'); i >= 0 {
		line = line[:i] // one job; an array would list more
	}
	f := map[string]string{}
	locs := keyRe.FindAllStringSubmatchIndex(line, -1)
	for i, m := range locs {
		end := len(line)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		f[line[m[2]:m[3]]] = strings.TrimSpace(line[m[1]:end])
	}
	if f["JobId"] == "" || f["JobState"] == "" {
		return JobInfo{}, fmt.Errorf("unexpected scontrol output %q", truncate(line, 200))
	}
	code, err := parseExitCode(f["ExitCode"])
	if err != nil {
		return JobInfo{}, err
	}
	node := f["BatchHost"]
	if node == "" || node == "(null)" {
		node = ""
	}
	return JobInfo{
		ID: f["JobId"], Name: f["JobName"], State: f["JobState"], Reason: reason(f["Reason"]),
		ExitCode: code, Node: node,
		Submit: parseTime(f["SubmitTime"]), Start: parseTime(f["StartTime"]), End: parseTime(f["EndTime"]),
		Stdout: f["StdOut"], Stderr: f["StdErr"],
	}, nil
}

// parseSacct reads `sacct -n -P -X -o
// JobID,JobName,State,ExitCode,NodeList,Submit,Start,End,Reason`.
func parseSacct(id, out string) (JobInfo, error) {
	for _, line := range strings.Split(out, "\n") {
		p := strings.Split(strings.TrimSpace(line), "|")
		if len(p) != 9 || p[0] != id {
			continue
		}
		code, err := parseExitCode(p[3])
		if err != nil {
			return JobInfo{}, err
		}
		st, _, _ := strings.Cut(p[2], " ") // "CANCELLED by 0"
		node := p[4]
		if node == "None assigned" {
			node = ""
		}
		return JobInfo{
			ID: id, Name: p[1], State: st, ExitCode: code, Node: node, Reason: reason(p[8]),
			Submit: parseTime(p[5]), Start: parseTime(p[6]), End: parseTime(p[7]),
		}, nil
	}
	return JobInfo{}, fmt.Errorf("%w (not in sacct's answer)", ErrUnknownJob)
}

// parseExitCode reads Slurm's "CODE:SIGNAL" into a shell-style code.
func parseExitCode(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	c, sig, _ := strings.Cut(s, ":")
	code, err := strconv.Atoi(c)
	if err != nil || code < 0 || code > 255 {
		return 0, fmt.Errorf("exit code %q is not CODE:SIGNAL", s)
	}
	if sig != "" {
		n, err := strconv.Atoi(sig)
		if err != nil || n < 0 || n > 127 {
			return 0, fmt.Errorf("exit code %q is not CODE:SIGNAL", s)
		}
		if n != 0 {
			return 128 + n, nil
		}
	}
	return code, nil
}

// parseTime reads Slurm's local "2006-01-02T15:04:05"; "Unknown", "None"
// and anything else unreadable are the zero time.
func parseTime(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02T15:04:05", s, time.Local)
	if err != nil {
		return time.Time{}
	}
	return t
}

func reason(s string) string {
	if s == "None" || s == "(null)" {
		return ""
	}
	return s
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
