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

	"github.com/mlform/mlform/internal/raceflag"
	"github.com/mlform/mlform/state"
	"github.com/mlform/mlform/state/statemgr"
	"github.com/mlform/mlform/state/statetest"
)

// crashHelperEnv makes TestCrashHelper a state writer that never stops
// (it is run as a separate process and killed): its value is "MODE DIR",
// MODE one of crashWriter's.
const crashHelperEnv = "MLFORM_STATE_CRASH_HELPER"

// TestCrashHelper is not a test: run by TestKillDuringWrite in a child
// process, it records one change after another in the state directory
// (crashWriter) and prints each serial once stored.
func TestCrashHelper(t *testing.T) {
	mode, dir, ok := strings.Cut(os.Getenv(crashHelperEnv), " ")
	if !ok {
		t.Skip("helper process for TestKillDuringWrite")
	}
	ctx := context.Background()
	m, err := statemgr.OpenManager(ctx, dir, "")
	if err == nil {
		err = crashWriter(ctx, mode, m)
	}
	fmt.Println("error:", err)
	os.Exit(2)
}

// crashWriter writes until it fails. "whole": ever-changing large states
// (megabytes, so a kill lands in the middle of a write) through
// Manager.Write. "journal": the state read once, then one change after
// another through a JournalWriter, the way apply does; each change adds
// dataset s<serial>, and every 40th also rewrites a large model, so the
// journal outgrows the document and is folded into it (kills land in
// appends and in whole writes).
func crashWriter(ctx context.Context, mode string, m *statemgr.Manager) error {
	s, err := m.Read(ctx)
	if err != nil {
		return err
	}
	var w interface {
		Write(context.Context, *state.State) error
	} = m
	if mode == "journal" {
		w = m.JournalWriter()
		if s.Serial == 0 {
			growN(s, 0, 200)
		}
	}
	for i := 1; ; i++ {
		switch mode {
		case "whole":
			if s, err = m.Read(ctx); err != nil {
				return err
			}
			grow(s, i)
		case "journal":
			next := fmt.Sprint("s", s.Serial+1)
			s.Datasets[next] = &state.Dataset{Name: next, Snapshots: []*state.Snapshot{}}
			if i%40 == 0 {
				s.Models["churn"].Versions[1].Reasons = []string{strings.Repeat("big", 20000), fmt.Sprint(i)}
			}
		default:
			return fmt.Errorf("unknown mode %q", mode)
		}
		if err := w.Write(ctx, s); err != nil {
			return err
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

// TestKillDuringWrite SIGKILLs real writers at random moments, whole
// writes and journaled ones, and checks the state left behind: the last
// acknowledged write or the one after it, and what each kind of write
// promises besides.
func TestKillDuringWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	if raceflag.Enabled {
		// The writers are child processes: the detector sees none of
		// their work and only slows it tenfold (a minute in make test's
		// -race pass). The pass without -race runs it.
		t.Skip("kills child processes the race detector cannot watch")
	}
	tests := []struct {
		mode string
		// check is what the state at serial s.Serial must hold.
		check func(t *testing.T, m *statemgr.Manager, s *state.State)
	}{
		{"whole", func(t *testing.T, m *statemgr.Manager, s *state.State) {
			// A readable backup, one write behind (or the same when the
			// kill came between the backup and the document).
			if s.Serial <= 1 {
				return
			}
			raw, err := m.ReadBackupRaw(context.Background())
			if err != nil {
				t.Fatalf("backup unreadable after SIGKILL: %v", err)
			}
			b, _ := state.Decode(raw)
			if b.Serial != s.Serial-1 && b.Serial != s.Serial {
				t.Fatalf("backup serial %d beside state serial %d", b.Serial, s.Serial)
			}
		}},
		{"journal", func(t *testing.T, m *statemgr.Manager, s *state.State) {
			// Serial 1 is the first whole write; every later serial k
			// added dataset s<k>: all earlier changes, nothing later.
			for k := uint64(2); k <= s.Serial; k++ {
				if s.Datasets[fmt.Sprint("s", k)] == nil {
					t.Fatalf("state at serial %d lacks the change of serial %d", s.Serial, k)
				}
			}
			if s.Datasets[fmt.Sprint("s", s.Serial+1)] != nil {
				t.Fatalf("state at serial %d holds a later change", s.Serial)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "state")
			const rounds = 12
			for round := 0; round < rounds; round++ {
				acked := runAndKill(t, tt.mode, dir, time.Duration(rand.IntN(250))*time.Millisecond)
				if t.Failed() {
					return
				}
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
				tt.check(t, m, s)
				m.Close()
			}
			// Temporary files left by killed writes show the kills
			// landed mid-write.
			entries, _ := os.ReadDir(dir)
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			t.Logf("%d rounds; state directory: %v", rounds, names)
		})
	}
}

// runAndKill starts a writer (TestCrashHelper in mode), lets it run for
// about d (and at least one write), kills it with SIGKILL and returns the
// last serial it reported stored.
func runAndKill(t *testing.T, mode, dir string, d time.Duration) uint64 {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashHelperEnv+"="+mode+" "+dir)
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
