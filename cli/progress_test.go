package cli

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mlform/mlform/internal/syncbuf"
	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/planner/plans"
)

func TestProgressPlainLines(t *testing.T) {
	var out syncbuf.Buffer
	now := time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }

	p := newProgress(&out, clock)
	if p.live {
		t.Fatal("a buffer is not a terminal")
	}
	a := &plans.Action{Kind: plans.KindSnapshot, Addr: "dataset.big", Snapshot: &plans.SnapshotChange{Files: 10, Bytes: 10 << 20}}
	b := &plans.Action{Kind: plans.KindTrain, Addr: "model.m"}
	p.Started(a)
	p.Started(b)
	p.Advance(a, 5, 5<<20)
	advance(6 * time.Second)
	p.tick()
	p.Logf(b, "epoch %d", 3)
	advance(time.Second)
	p.Finished(a, &engine.ActionResult{Action: a, Status: engine.ResultSucceeded, Summary: "snapshot 19bc7d3e5a6f (10 files, 10485760 bytes)"})
	p.Finished(b, &engine.ActionResult{Action: b, Status: engine.ResultFailed, Err: errors.New("exit status 3")})

	got := out.String()
	for _, want := range []string{
		"dataset.big: snapshotting...\n",
		"model.m: training...\n",
		"dataset.big: 5/10 files, 5.0 MiB/10.0 MiB (50%), 853.3 KiB/s\n",
		"model.m: epoch 3\n",
		"dataset.big: snapshot 19bc7d3e5a6f (10 files, 10485760 bytes) [7s]\n",
		"model.m: train failed after 7s: exit status 3\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	if strings.Contains(got, "\x1b") || strings.Contains(got, "\r") {
		t.Errorf("control characters in plain output:\n%q", got)
	}
}

func TestProgressLiveRedraws(t *testing.T) {
	var out syncbuf.Buffer
	p := newProgress(&out, time.Now)
	p.live = true
	a := &plans.Action{Kind: plans.KindSnapshot, Addr: "dataset.d", Snapshot: &plans.SnapshotChange{Files: 2, Bytes: 2048}}
	p.Started(a)
	p.Advance(a, 1, 1024)
	p.tick()
	p.Finished(a, &engine.ActionResult{Action: a, Status: engine.ResultSucceeded})
	got := out.String()
	if !strings.Contains(got, "dataset.d [==========>         ] 1/2 files, 1.0 KiB/2.0 KiB (50%)") || !strings.Contains(got, "\r\x1b[K") {
		t.Errorf("live output: %q", got)
	}
}
