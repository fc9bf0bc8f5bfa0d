package scripttest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// scriptEnv is the environment a process started by a script command gets:
// the variables testscript sets for exec, plus extra.
func scriptEnv(ts *testscript.TestScript, extra ...string) []string {
	env := os.Environ()
	for _, k := range []string{"PATH", "HOME", "TMPDIR", "WORK", "MLFORM_NOW", "NO_COLOR"} {
		env = append(env, k+"="+ts.Getenv(k))
	}
	return append(env, extra...)
}

type raceRun struct {
	code           int
	stdout, stderr string
	took           time.Duration
	// lockID and heldFrom are what the hold hook reported, if it ran.
	lockID   string
	heldFrom time.Time
}

// lockrace exclusive|sequential ROUNDS HOLD TIMEOUT ARGS...: runs ROUNDS
// rounds of two real `mlform ARGS -lock-timeout=TIMEOUT` processes started
// at the same moment, each holding the state lock for HOLD once it has it
// (the MLFORM_TEST_HOLD_LOCK test hook, which reports when it took the
// lock). In every round the two holds must not overlap.
//
// exclusive (TIMEOUT < HOLD): exactly one process succeeds; the other
// waits at least TIMEOUT, then exits 1 naming the holder's lock id,
// operation and the force-unlock command. A round where one process only
// started after the other had finished proves nothing and is run again
// (at most ROUNDS extra times).
// sequential (TIMEOUT > HOLD): both succeed, one after the other.
//
// $LOCKRACE_OK counts the processes that succeeded, over every lockrace of
// the script, so it can check that none of their changes was lost.
func cmdLockrace(ts *testscript.TestScript, neg bool, args []string) {
	if args[0] != "exclusive" && args[0] != "sequential" {
		ts.Fatalf("usage: lockrace exclusive|sequential ROUNDS HOLD TIMEOUT ARGS...")
	}
	rounds, err := strconv.Atoi(args[1])
	ts.Check(err)
	hold, err := time.ParseDuration(args[2])
	ts.Check(err)
	timeout, err := time.ParseDuration(args[3])
	ts.Check(err)
	cmdArgs := append(append([]string{}, args[4:]...), "-lock-timeout="+args[3])
	passed, retried := 0, 0
	ok, _ := strconv.Atoi(ts.Getenv("LOCKRACE_OK"))
	defer func() { ts.Setenv("LOCKRACE_OK", strconv.Itoa(ok)) }()
	for passed < rounds {
		runs := raceOnce(ts, hold, cmdArgs)
		a, b := runs[0], runs[1]
		for _, r := range runs {
			if r.code == 0 {
				ok++
			}
		}
		if a.code == 0 && b.code == 0 {
			if a.heldFrom.IsZero() || b.heldFrom.IsZero() {
				ts.Fatalf("a process did not report its hold:\n%s\n%s", a.stderr, b.stderr)
			}
			first, second := a, b
			if b.heldFrom.Before(a.heldFrom) {
				first, second = b, a
			}
			if second.heldFrom.Before(first.heldFrom.Add(hold)) {
				ts.Fatalf("both processes held the lock at once: %s from %s and %s from %s (hold %s)",
					first.lockID, first.heldFrom.Format(time.RFC3339Nano), second.lockID, second.heldFrom.Format(time.RFC3339Nano), hold)
			}
			if args[0] == "sequential" {
				passed++
				continue
			}
			if retried++; retried > rounds {
				ts.Fatalf("in %d rounds the two processes never overlapped: the machine is too loaded for this test", retried)
			}
			continue
		}
		if args[0] == "sequential" {
			ts.Fatalf("round %d: want both to succeed in turn, got exit %d and %d\n%s\n%s", passed+1, a.code, b.code, a.stderr, b.stderr)
		}
		if a.code+b.code != 1 {
			ts.Fatalf("round %d: want exactly one success and one exit 1, got %d and %d\nA: %s\nB: %s", passed+1, a.code, b.code, a.stderr, b.stderr)
		}
		win, lose := a, b
		if a.code != 0 {
			win, lose = b, a
		}
		if win.lockID == "" {
			ts.Fatalf("round %d: the winner did not report its lock:\n%s", passed+1, win.stderr)
		}
		for _, want := range []string{"is locked", win.lockID, "Operation:", "Who:", "mlform force-unlock " + win.lockID} {
			if !strings.Contains(lose.stderr, want) {
				ts.Fatalf("round %d: the loser's error does not mention %q:\n%s", passed+1, want, lose.stderr)
			}
		}
		if lose.took < timeout {
			ts.Fatalf("round %d: the loser gave up after %s, before its %s timeout", passed+1, lose.took, timeout)
		}
		passed++
	}
	ts.Logf("lockrace %s: %d rounds passed (%d inconclusive rounds run again)", args[0], passed, retried)
}

// raceOnce starts two processes as close together as possible.
func raceOnce(ts *testscript.TestScript, hold time.Duration, args []string) [2]raceRun {
	// What the MLFORM_TEST_HOLD_LOCK hook prints.
	holdRe := regexp.MustCompile(`test hook: holding lock (\S+) since (\S+) for`)
	var (
		runs  [2]raceRun
		wg    sync.WaitGroup
		start = make(chan struct{})
	)
	for i := range runs {
		cmd := exec.Command("mlform", args...)
		if path, err := lookPath("mlform", ts.Getenv("PATH")); err == nil {
			cmd.Path = path
		}
		cmd.Dir = ts.MkAbs(".")
		cmd.Env = scriptEnv(ts, "MLFORM_TEST_HOLD_LOCK="+hold.String())
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			t0 := time.Now()
			err := cmd.Run()
			r := raceRun{code: exitCode(err), stdout: stdout.String(), stderr: stderr.String(), took: time.Since(t0)}
			if m := holdRe.FindStringSubmatch(r.stderr); m != nil {
				r.lockID = m[1]
				r.heldFrom, _ = time.Parse(time.RFC3339Nano, m[2])
			}
			runs[i] = r
		}()
	}
	close(start)
	wg.Wait()
	return runs
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -1
}

// lookPath finds name in the script's PATH (not the test process's).
func lookPath(name, path string) (string, error) {
	for _, dir := range strings.Split(path, string(os.PathListSeparator)) {
		p := dir + string(os.PathSeparator) + name
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found in the script's PATH", name)
}

// statefile truncate FILE N | statefile replace FILE OLD NEW: damage a
// stored document the way disks, interrupted copies and hand edits do.
// truncate keeps the first N bytes (N may be a percentage: 50%); replace
// changes the first occurrence of OLD and fails if there is none.
func cmdStatefile(ts *testscript.TestScript, neg bool, args []string) {
	path := ts.MkAbs(args[1])
	data, err := os.ReadFile(path)
	ts.Check(err)
	switch {
	case args[0] == "truncate" && len(args) == 3:
		n, pct := 0, strings.HasSuffix(args[2], "%")
		n, err = strconv.Atoi(strings.TrimSuffix(args[2], "%"))
		ts.Check(err)
		if pct {
			n = len(data) * n / 100
		}
		if n < 0 || n > len(data) {
			ts.Fatalf("cannot keep %d bytes of %d", n, len(data))
		}
		data = data[:n]
	case args[0] == "replace" && len(args) == 4:
		if !bytes.Contains(data, []byte(args[2])) {
			ts.Fatalf("%s does not contain %q", args[1], args[2])
		}
		data = bytes.Replace(data, []byte(args[2]), []byte(args[3]), 1)
	default:
		ts.Fatalf("usage: statefile truncate FILE N | statefile replace FILE OLD NEW")
	}
	ts.Check(os.WriteFile(path, data, 0o644))
}
