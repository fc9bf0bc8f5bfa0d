//go:build unix

package executortest

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// HelperEnv selects a helper mode when the test binary is re-executed as the
// command under test (the standard Go pattern: no shell scripts, the same
// binary on every machine).
const HelperEnv = "MLFORM_EXECUTORTEST_HELPER"

// Main must be the TestMain of every package that calls RunConformance:
//
//	func TestMain(m *testing.M) { executortest.Main(m) }
//
// In a re-executed helper it runs the selected mode and exits; otherwise it
// runs the tests.
func Main(m *testing.M) {
	if mode := os.Getenv(HelperEnv); mode != "" {
		os.Exit(runHelper(mode, os.Args[1:]))
	}
	if os.Getenv(RunnerEnv) != "" {
		// RunCallerKilled without MainWithRunner: never run the tests
		// again in the re-executed binary.
		fmt.Fprintln(os.Stderr, "RunCallerKilled needs executortest.MainWithRunner in TestMain")
		os.Exit(2)
	}
	os.Exit(m.Run())
}

// runHelper is the helper program. Modes:
//
//	env            print every variable as K=V, the cwd as "@cwd DIR" and
//	               the params file as "@params JSON"
//	exit N         print to both streams (the last stdout line without a
//	               newline) and exit N
//	longline N     print a line of N bytes, then "end" without a newline
//	selfkill       die of SIGKILL
//	flood N        print N numbered lines to each stream
//	tree PIDFILE   ignore SIGTERM, start a child that does too, write both
//	               pids to PIDFILE, print "ready", sleep
//	orphan PIDFILE start a child that ignores SIGTERM, print "ready", exit 0
//	escape PIDFILE start a child in a new session (out of the group's
//	               reach) that keeps stdout open, print "ready", exit 0
//	graceful       on SIGTERM print "got TERM" and exit 0
//	child PIDFILE  ignore SIGTERM, append own pid to PIDFILE, sleep
func runHelper(mode string, args []string) int {
	arg := func(i int) string {
		if i < len(args) {
			return args[i]
		}
		fmt.Fprintf(os.Stderr, "helper %s: missing argument %d\n", mode, i)
		os.Exit(100)
		return ""
	}
	switch mode {
	case "env":
		env := os.Environ()
		sort.Strings(env)
		for _, kv := range env {
			fmt.Println(kv)
		}
		wd, _ := os.Getwd()
		fmt.Println("@cwd " + wd)
		if p := os.Getenv("MLFORM_PARAMS_FILE"); p != "" {
			data, err := os.ReadFile(p)
			if err != nil {
				fmt.Println("@params-error " + err.Error())
			} else {
				fmt.Println("@params " + strings.TrimSpace(string(data)))
			}
		}
		return 0
	case "exit":
		code, err := strconv.Atoi(arg(0))
		if err != nil {
			return 100
		}
		fmt.Fprint(os.Stdout, "to stdout\n")
		fmt.Fprint(os.Stderr, "to stderr\n")
		fmt.Fprint(os.Stdout, "partial")
		return code
	case "longline":
		n, err := strconv.Atoi(arg(0))
		if err != nil {
			return 100
		}
		fmt.Fprint(os.Stdout, strings.Repeat("x", n)+"\nend")
		return 0
	case "selfkill":
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		time.Sleep(time.Minute)
		return 100
	case "flood":
		n, err := strconv.Atoi(arg(0))
		if err != nil {
			return 100
		}
		for i := 0; i < n; i++ {
			fmt.Fprintf(os.Stdout, "out %d %s\n", i, strings.Repeat("x", 100))
			fmt.Fprintf(os.Stderr, "err %d %s\n", i, strings.Repeat("y", 100))
		}
		return 0
	case "tree", "orphan":
		pidfile := arg(0)
		if mode == "tree" {
			signal.Ignore(syscall.SIGTERM)
		}
		self, err := os.Executable()
		if err != nil {
			return 101
		}
		child := exec.Command(self, pidfile)
		child.Env = append(os.Environ(), HelperEnv+"=child")
		child.Stdout, child.Stderr = os.Stdout, os.Stderr
		if err := child.Start(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 102
		}
		if !waitLines(pidfile, 1, 10*time.Second) {
			return 103
		}
		if mode == "tree" {
			appendPid(pidfile, os.Getpid())
		}
		fmt.Println("ready")
		if mode == "orphan" {
			return 0
		}
		time.Sleep(time.Hour)
		return 0
	case "escape":
		// A child in its own session: beyond any process-group kill. It
		// keeps stdout open; the caller must kill it by pid.
		self, err := os.Executable()
		if err != nil {
			return 101
		}
		child := exec.Command(self, arg(0))
		child.Env = append(os.Environ(), HelperEnv+"=child")
		child.Stdout, child.Stderr = os.Stdout, os.Stderr
		child.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		if err := child.Start(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 102
		}
		if !waitLines(arg(0), 1, 10*time.Second) {
			return 103
		}
		fmt.Println("ready")
		return 0
	case "graceful":
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, syscall.SIGTERM)
		fmt.Println("ready")
		<-ch
		fmt.Println("got TERM")
		return 0
	case "child":
		signal.Ignore(syscall.SIGTERM)
		appendPid(arg(0), os.Getpid())
		time.Sleep(time.Hour)
		return 0
	}
	fmt.Fprintf(os.Stderr, "unknown helper mode %q\n", mode)
	return 100
}

func appendPid(path string, pid int) {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(104)
	}
	fmt.Fprintln(f, pid)
	f.Close()
}

// waitLines waits until path holds at least n complete lines.
func waitLines(path string, n int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		data, _ := os.ReadFile(path)
		if strings.Count(string(data), "\n") >= n {
			return true
		}
		time.Sleep(5 * time.Millisecond)
	}
	return false
}

// readPids parses a pid file written by appendPid.
func readPids(path string) ([]int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, f := range strings.Fields(string(data)) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			return nil, fmt.Errorf("pid file %s: %q is not a pid", path, f)
		}
		pids = append(pids, pid)
	}
	return pids, nil
}
