// Package progress shows how apply and plan are getting on, on stderr: a
// live line redrawn in place on a terminal, plain lines elsewhere so CI
// logs stay readable.
package progress

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/mlform/mlform/internal/termtext"
	"github.com/mlform/mlform/internal/textfmt"
	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/planner/plans"
	"github.com/mlform/mlform/planner/render"
)

// Apply reports apply progress: on a terminal, one live line redrawn in
// place (bytes, files, throughput); otherwise plain lines, one per action
// start and end plus a periodic line per running action. It implements
// engine.Progress.
type Apply struct {
	w        io.Writer
	tty      *os.File
	live     bool
	interval time.Duration
	clock    func() time.Time

	mu      sync.Mutex
	running map[*plans.Action]*actionProgress
	order   []*plans.Action
	drawn   bool // a live line is on screen
	stop    chan struct{}
	done    chan struct{}
}

type actionProgress struct {
	// stage is what the action is doing ("training v3", "snapshotting"):
	// actions that move no files (train, evaluate, promote, publish)
	// report it with the elapsed time instead of file and byte counts.
	stage      string
	start      time.Time
	lastReport time.Time
	files      int
	bytes      int64
	totalFiles int
	totalBytes int64
	movesFiles bool // a snapshot: progress is files and bytes
	// queue is the step's last state on a batch executor (nil: none, or
	// not queued).
	queue *engine.QueueState
}

// New writes to w; tty is the terminal w writes to (w may wrap it), nil
// when it is none: then the lines are plain.
func New(w io.Writer, tty *os.File, clock func() time.Time) *Apply {
	live := tty != nil
	p := &Apply{tty: tty, w: w, live: live, interval: 5 * time.Second, clock: clock, running: map[*plans.Action]*actionProgress{}}
	if live {
		p.interval = 200 * time.Millisecond
	}
	return p
}

// Begin starts the periodic reporter; End stops it.
func (p *Apply) Begin() {
	p.stop, p.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(p.done)
		t := time.NewTicker(p.interval)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.tick()
			}
		}
	}()
}

// End stops the reporter and clears the live line.
func (p *Apply) End() {
	if p.stop == nil {
		return
	}
	close(p.stop)
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearLocked()
}

func (p *Apply) Started(a *plans.Action) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ap := &actionProgress{start: p.clock(), stage: verbing(a.Kind)}
	ap.lastReport = ap.start
	if s := a.Snapshot; s != nil {
		ap.totalFiles, ap.totalBytes = s.Files, s.Bytes
	}
	ap.movesFiles = a.Kind == plans.KindSnapshot
	p.running[a] = ap
	p.order = append(p.order, a)
	p.printLocked("%s: %s...", a.Addr, verbing(a.Kind))
}

func (p *Apply) Advance(a *plans.Action, files int, bytes int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if ap := p.running[a]; ap != nil {
		ap.files += files
		ap.bytes += bytes
	}
}

var _ engine.StageReporter = (*Apply)(nil)

// Stage records what a is doing now ("evaluating v1", "training v3"),
// shown in its progress line instead of its kind (engine.StageReporter).
func (p *Apply) Stage(a *plans.Action, stage string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if ap := p.running[a]; ap != nil {
		ap.stage = stage
	}
}

func (p *Apply) Logf(a *plans.Action, format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.printLocked("%s: %s", a.Addr, fmt.Sprintf(format, args...))
}

// Queued implements engine.QueueProgress: each change of a step's queue
// state is a line of its own (they are few and say why nothing happens
// yet), and the periodic line keeps the last one with its duration.
func (p *Apply) Queued(a *plans.Action, q engine.QueueState) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if ap := p.running[a]; ap != nil {
		ap.queue = &q
	}
	p.printLocked("%s: %s", a.Addr, q)
}

func (p *Apply) Finished(a *plans.Action, r *engine.ActionResult) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ap := p.running[a]
	delete(p.running, a)
	for i, x := range p.order {
		if x == a {
			p.order = append(p.order[:i], p.order[i+1:]...)
			break
		}
	}
	el := time.Duration(0)
	if ap != nil {
		el = p.clock().Sub(ap.start).Round(time.Millisecond)
	}
	switch {
	case r.Status == engine.ResultSucceeded:
		// One line per finished action (a held promotion's summary quotes
		// a gate's error_message, which may have several).
		msg := termtext.OneLine(r.Summary)
		if msg == "" {
			msg = "done"
		}
		p.printLocked("%s: %s [%s]", a.Addr, msg, el)
	case errors.Is(r.Err, context.Canceled):
		// A second Ctrl-C cancelled it: not a failure of its own.
		p.printLocked("%s: %s cancelled after %s", a.Addr, a.Kind, el)
	default:
		p.printLocked("%s: %s failed after %s: %v", a.Addr, a.Kind, el, r.Err)
	}
}

// tick prints the periodic report.
func (p *Apply) tick() {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.clock()
	if p.live {
		var parts []string
		for _, a := range p.order {
			ap := p.running[a]
			parts = append(parts, a.Addr+" "+ap.bar()+ap.line(now))
		}
		p.clearLocked()
		if len(parts) > 0 {
			line := strings.Join(parts, " | ")
			if width := p.width(); width > 0 && len(line) >= width {
				line = line[:width-1]
			}
			fmt.Fprint(p.w, line)
			p.drawn = true
		}
		return
	}
	for _, a := range p.order {
		ap := p.running[a]
		if now.Sub(ap.lastReport) >= p.interval {
			ap.lastReport = now
			fmt.Fprintf(p.w, "%s: %s\n", a.Addr, ap.line(now))
		}
	}
}

func (p *Apply) width() int {
	if p.tty != nil {
		if w, _, err := term.GetSize(int(p.tty.Fd())); err == nil {
			return w
		}
	}
	return 0
}

// bar is "[=======>            ] " when the total is known, else "".
func (ap *actionProgress) bar() string {
	if ap.totalBytes <= 0 {
		return ""
	}
	const width = 20
	done := int(width * ap.bytes / ap.totalBytes)
	if done > width {
		done = width
	}
	b := strings.Repeat("=", done)
	if done < width {
		b += ">" + strings.Repeat(" ", width-done-1)
	}
	return "[" + b + "] "
}

// line is "1200/20000 files, 300.0 MiB/600.0 MiB (50%), 120.0 MiB/s" for
// a snapshot, and the stage and elapsed time for actions that move no
// files, with the queue state of a step on a batch executor: "training v3,
// 2m0s elapsed; slurm job 12 RUNNING on node-3 for 1m40s".
func (ap *actionProgress) line(now time.Time) string {
	d := now.Sub(ap.start)
	elapsed := d.Round(time.Second).String() + " elapsed"
	if !ap.movesFiles && ap.files == 0 && ap.bytes == 0 {
		s := ap.stage + ", " + elapsed
		if ap.queue != nil {
			s += "; " + termtext.OneLine(ap.queue.Line(now))
		}
		return s
	}
	el := d.Seconds()
	rate := ""
	if el > 0 {
		rate = ", " + render.Bytes(int64(float64(ap.bytes)/el)) + "/s"
	}
	if ap.totalFiles > 0 || ap.totalBytes > 0 {
		pct := 0
		if ap.totalBytes > 0 {
			pct = int(100 * ap.bytes / ap.totalBytes)
		}
		return fmt.Sprintf("%d/%s, %s/%s (%d%%)%s", ap.files, textfmt.Files(ap.totalFiles), render.Bytes(ap.bytes), render.Bytes(ap.totalBytes), pct, rate)
	}
	return fmt.Sprintf("%s, %s%s, %s", textfmt.Files(ap.files), render.Bytes(ap.bytes), rate, elapsed)
}

// printLocked prints one progress line. Everything printed here may quote
// a trainer's output or a name it chose, so control sequences are
// neutralised (the stored logs keep the bytes).
func (p *Apply) printLocked(format string, args ...any) {
	p.clearLocked()
	fmt.Fprintln(p.w, termtext.Printable(fmt.Sprintf(format, args...)))
}

func (p *Apply) clearLocked() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
}

func verbing(kind string) string {
	switch kind {
	case plans.KindSnapshot:
		return "snapshotting"
	case plans.KindTrain:
		return "training"
	case plans.KindEvaluate:
		return "evaluating"
	case plans.KindPromote:
		return "promoting"
	case plans.KindPublish:
		return "publishing"
	case plans.KindRemove:
		return "removing"
	}
	return kind
}
