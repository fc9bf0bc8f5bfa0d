package statemgr_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mlform/mlform/state"
	"github.com/mlform/mlform/state/statemgr"
	"github.com/mlform/mlform/state/statetest"
)

// crashHelperEnv makes TestCrashHelper a state writer that never stops:
// it is run as a separate process and killed.
const crashHelperEnv = "MLFORM_STATE_CRASH_HELPER_DIR"

// TestCrashHelper is not a test: run by TestKillDuringWrite in a child
// process, it writes ever-changing large states (megabytes, so a kill
// lands in the middle of a write) and prints each serial once stored.
func TestCrashHelper(t *testing.T) {
	dir := os.Getenv(crashHelperEnv)
	if dir == "" {
		t.Skip("helper process for TestKillDuringWrite")
	}
	ctx := context.Background()
	m, err := statemgr.OpenManager(ctx, dir, "")
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(2)
	}
	for i := 0; ; i++ {
		s, err := m.Read(ctx)
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(2)
		}
		grow(s, i)
		if err := m.Write(ctx, s); err != nil {
			fmt.Println("error:", err)
			os.Exit(2)
		}
		fmt.Println(s.Serial)
	}
}

// grow makes a large state that differs in every iteration.
func grow(s *state.State, i int) { growN(s, i, 2000) }

// growN is grow with n model versions.
func growN(s *state.State, i, n int) {
	big := statetest.Sample()
	m := big.Models["churn"]
	base := m.Versions[0]
	for v := 4; v < n; v++ {
		nv := *base
		nv.Version = v
		nv.Reasons = []string{strings.Repeat("r", 200), strconv.Itoa(i)}
		m.Versions = append(m.Versions, &nv)
	}
	m.NextVersion = n + i
	s.Datasets, s.Models, s.Policies = big.Datasets, big.Models, big.Policies
}

// TestKillDuringWrite SIGKILLs real processes in the middle of state
// writes, at random moments, and checks the state left behind is whole:
// the last acknowledged write or the one after it, with a readable backup.
func TestKillDuringWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	dir := filepath.Join(t.TempDir(), "state")
	const rounds = 12
	for round := 0; round < rounds; round++ {
		acked := runAndKill(t, dir, time.Duration(rand.IntN(250))*time.Millisecond)
		m, err := statemgr.OpenManager(context.Background(), dir, "")
		if err != nil {
			t.Fatal(err)
		}
		s, err := m.Read(context.Background())
		if err != nil {
			t.Fatalf("round %d: state unreadable after SIGKILL: %v", round, err)
		}
		if s.Serial < acked || s.Serial > acked+1 {
			t.Fatalf("round %d: serial %d after kill, last acknowledged write was %d", round, s.Serial, acked)
		}
		if s.Serial > 1 {
			raw, err := m.ReadBackupRaw(context.Background())
			if err != nil {
				t.Fatalf("round %d: backup unreadable after SIGKILL: %v", round, err)
			}
			b, _ := state.Decode(raw)
			if b.Serial != s.Serial-1 && b.Serial != s.Serial {
				t.Fatalf("round %d: backup serial %d beside state serial %d", round, b.Serial, s.Serial)
			}
		}
		m.Close()
	}
	// Temporary files left by killed writes show the kills landed mid-write.
	entries, _ := os.ReadDir(dir)
	t.Logf("%d rounds; %d files in the state directory (temporary files of interrupted writes included)", rounds, len(entries))
}

// runAndKill starts a writer, lets it run for about d (and at least one
// write), kills it with SIGKILL and returns the last serial it reported
// stored.
func runAndKill(t *testing.T, dir string, d time.Duration) uint64 {
	t.Helper()
	return runAndKillHelper(t, "TestCrashHelper", crashHelperEnv, dir, d)
}

// runAndKillHelper is runAndKill for the writer test function helper,
// which finds the directory in the environment variable env.
func runAndKillHelper(t *testing.T, helper, env, dir string, d time.Duration) uint64 {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+helper+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), env+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	serials := make(chan uint64, 1024)
	go func() {
		defer close(serials)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if n, err := strconv.ParseUint(sc.Text(), 10, 64); err == nil {
				serials <- n
			} else if strings.HasPrefix(sc.Text(), "error:") {
				t.Errorf("writer: %s", sc.Text())
			}
		}
	}()
	var acked uint64
	select {
	case n, ok := <-serials:
		if !ok {
			t.Fatal("writer exited before its first write")
		}
		acked = n
	case <-time.After(30 * time.Second):
		t.Fatal("writer made no write in 30s")
	}
	time.Sleep(d)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	for n := range serials {
		acked = n
	}
	return acked
}
