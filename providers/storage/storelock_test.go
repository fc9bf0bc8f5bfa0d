package storage

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// helperEnv switches the test binary into a store-lock helper process.
const helperEnv = "MLFORM_STORELOCK_HELPER"

// TestStoreLockHelper is not a test: run by TestStoreLockProcesses as a
// separate process (helperEnv set) to contend for a file:// store's lock.
func TestStoreLockHelper(t *testing.T) {
	mode := os.Getenv(helperEnv)
	if mode == "" {
		t.Skip("helper process only")
	}
	ctx := context.Background()
	s, err := Open(ctx, os.Getenv("HELPER_URL"), Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	switch mode {
	case "loop":
		critical := os.Getenv("HELPER_CRITICAL")
		n, _ := strconv.Atoi(os.Getenv("HELPER_ROUNDS"))
		kind := LockKind(os.Getenv("HELPER_KIND"))
		for i := 0; i < n; i++ {
			l, err := s.Lock(ctx, kind, LockOptions{Command: "helper", Timeout: 2 * time.Minute})
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(2)
			}
			if kind == LockExclusive {
				f, err := os.OpenFile(critical, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
				if err != nil {
					fmt.Fprintln(os.Stderr, "two holders at once:", err)
					os.Exit(3)
				}
				f.Close()
				os.Remove(critical)
			} else if _, err := os.Stat(critical); err == nil {
				fmt.Fprintln(os.Stderr, "a shared lock held during an exclusive one")
				os.Exit(3)
			}
			if err := l.Unlock(ctx); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(2)
			}
		}
	case "try-exclusive":
		l, err := s.Lock(ctx, LockExclusive, LockOptions{Command: "helper-gc"})
		var le *LockedError
		if errors.As(err, &le) {
			fmt.Println("locked out")
			os.Exit(0)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		l.Unlock(ctx)
		fmt.Println("took the exclusive lock")
	case "hold":
		l, err := s.Lock(ctx, LockExclusive, LockOptions{Command: "helper-hold"})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		fmt.Printf("locked %s\n", l.Holder().ID)
		io.Copy(io.Discard, os.Stdin) // until killed
	}
	os.Exit(0)
}

func helper(t *testing.T, mode, url string, env ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestStoreLockHelper$")
	cmd.Env = append(os.Environ(), append([]string{helperEnv + "=" + mode, "HELPER_URL=" + url}, env...)...)
	cmd.Stderr = os.Stderr
	return cmd
}

// TestStoreLockProcesses: real processes on one file:// store. Exclusive
// holders in several processes never overlap each other nor shared
// holders; a holder killed with SIGKILL leaves a lock that the next taker,
// on the same host, finds stale (its pid is gone) and removes.
func TestStoreLockProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	dir := t.TempDir()
	url := "file://" + filepath.Join(dir, "store")
	ctx := context.Background()
	s, err := Open(ctx, url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	critical := filepath.Join(dir, "critical")

	tests := []struct{ name, kinds string }{
		{"exclusive", "exclusive,exclusive,exclusive"},
		{"mixed", "exclusive,shared,exclusive,shared"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var cmds []*exec.Cmd
			for _, k := range strings.Split(tc.kinds, ",") {
				c := helper(t, "loop", url, "HELPER_CRITICAL="+critical, "HELPER_ROUNDS=4", "HELPER_KIND="+k)
				if err := c.Start(); err != nil {
					t.Fatal(err)
				}
				cmds = append(cmds, c)
			}
			for _, c := range cmds {
				if err := c.Wait(); err != nil {
					t.Errorf("helper: %v", err)
				}
			}
			if locks, err := s.Locks(ctx); err != nil || len(locks) != 0 {
				t.Errorf("locks left: %+v, %v", locks, err)
			}
		})
	}

	// A taker in another pid namespace of this host (a container sharing
	// the host's name: a hostNetwork pod, docker --network host) cannot
	// tell by pid whether this holder lives: the pid means nothing there.
	// It must not judge the lock stale and remove it.
	t.Run("other-pid-namespace", func(t *testing.T) {
		if err := exec.Command("unshare", "-p", "-f", "--mount-proc", "true").Run(); err != nil {
			t.Skipf("cannot make a pid namespace here: %v", err)
		}
		l, err := s.Lock(ctx, LockShared, LockOptions{Command: "apply"})
		if err != nil {
			t.Fatal(err)
		}
		defer l.Unlock(ctx)
		c := helper(t, "try-exclusive", url)
		c.Args = append([]string{"unshare", "-p", "-f", "--mount-proc"}, c.Args...)
		c.Path, err = exec.LookPath("unshare")
		if err != nil {
			t.Fatal(err)
		}
		out, err := c.Output()
		if err != nil || strings.TrimSpace(string(out)) != "locked out" {
			t.Fatalf("exclusive lock from another pid namespace while this process holds a shared one: %q, %v", out, err)
		}
		if err := l.Lost(); err != nil {
			t.Error(err)
		}
		if locks, err := s.Locks(ctx); err != nil || len(locks) != 1 || locks[0].Holder.ID != l.Holder().ID {
			t.Errorf("locks: %+v, %v; want ours alone", locks, err)
		}
	})

	t.Run("killed-holder", func(t *testing.T) {
		c := helper(t, "hold", url)
		stdin, err := c.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		defer stdin.Close()
		out, err := c.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(out).ReadString('\n')
		if err != nil || !strings.HasPrefix(line, "locked ") {
			t.Fatalf("helper said %q, %v", line, err)
		}
		_, err = s.Lock(ctx, LockShared, LockOptions{Command: "apply"})
		var le *LockedError
		if !errors.As(err, &le) || !strings.Contains(err.Error(), fmt.Sprintf("pid %d", c.Process.Pid)) || !strings.Contains(err.Error(), "helper-hold") {
			t.Fatalf("lock while the helper holds it: %v", err)
		}
		c.Process.Kill()
		c.Wait()
		l, err := s.Lock(ctx, LockShared, LockOptions{Command: "apply"})
		if err != nil {
			t.Fatalf("the killed holder's lock was not found stale: %v", err)
		}
		locks, _ := s.Locks(ctx)
		if len(locks) != 1 || locks[0].Holder.ID != l.Holder().ID {
			t.Errorf("locks after taking over: %+v, want only ours", locks)
		}
		l.Unlock(ctx)
	})
}
