package statemgr_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlform/mlform/state"
	"github.com/mlform/mlform/state/statemgr"
)

// journalCrashHelperEnv makes TestJournalCrashHelper a journaling writer
// that never stops: it is run as a separate process and killed.
const journalCrashHelperEnv = "MLFORM_STATE_JOURNAL_CRASH_HELPER_DIR"

// TestJournalCrashHelper is not a test: run by TestKillDuringJournal in a
// child process, it reads the state once, then records one change after
// another through a JournalWriter, the way apply does, printing each
// serial once stored. Each change adds dataset s<serial>; every 40th also
// rewrites a large model, so the journal outgrows the document and is
// folded into it (kills land in appends and in whole writes).
func TestJournalCrashHelper(t *testing.T) {
	dir := os.Getenv(journalCrashHelperEnv)
	if dir == "" {
		t.Skip("helper process for TestKillDuringJournal")
	}
	ctx := context.Background()
	m, err := statemgr.OpenManager(ctx, dir, "")
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(2)
	}
	s, err := m.Read(ctx)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(2)
	}
	if s.Serial == 0 {
		growN(s, 0, 200)
	}
	jw := m.JournalWriter()
	for i := 1; ; i++ {
		next := s.Serial + 1
		s.Datasets[fmt.Sprint("s", next)] = &state.Dataset{Name: fmt.Sprint("s", next), Snapshots: []*state.Snapshot{}}
		if i%40 == 0 {
			s.Models["churn"].Versions[1].Reasons = []string{strings.Repeat("big", 20000), fmt.Sprint(i)}
		}
		if err := jw.Write(ctx, s); err != nil {
			fmt.Println("error:", err)
			os.Exit(2)
		}
		fmt.Println(s.Serial)
	}
}

// TestKillDuringJournal SIGKILLs journaling writers at random moments and
// checks the state left behind: the last acknowledged change or the one
// after it, with every earlier change present and nothing later.
func TestKillDuringJournal(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	dir := filepath.Join(t.TempDir(), "state")
	const rounds = 12
	for round := 0; round < rounds; round++ {
		acked := runAndKillHelper(t, "TestJournalCrashHelper", journalCrashHelperEnv, dir, time.Duration(rand.IntN(250))*time.Millisecond)
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
		// Serial 1 is the first whole write; every later serial k added
		// dataset s<k>.
		for k := uint64(2); k <= s.Serial; k++ {
			if s.Datasets[fmt.Sprint("s", k)] == nil {
				t.Fatalf("round %d: state at serial %d lacks the change of serial %d", round, s.Serial, k)
			}
		}
		if s.Datasets[fmt.Sprint("s", s.Serial+1)] != nil {
			t.Fatalf("round %d: state at serial %d holds a later change", round, s.Serial)
		}
		m.Close()
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	t.Logf("%d rounds; state directory: %v", rounds, names)
}
