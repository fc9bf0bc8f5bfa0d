package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mlform/mlform/config"
	"github.com/mlform/mlform/internal/objname"
	"github.com/mlform/mlform/internal/termtext"
	"github.com/mlform/mlform/internal/textfmt"
	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/planner/plans"
)

// Spec is a notify block as delivery needs it.
type Spec struct {
	Name    string
	URL     string
	Display string
	Events  []string
	Models  []string
	// Secrets are texts a delivery error must never show (the URL itself
	// and sensitive variables' values).
	Secrets []string

	// run remembers, for one apply, that the webhook was given up on
	// (see send); FromConfig makes it.
	run *runState
}

// runState is the first event of a run that could not be delivered after
// every attempt (its redacted error).
type runState struct {
	mu     sync.Mutex
	gaveUp string
}

// Event is the document posted to a webhook.
type Event struct {
	Event     string             `json:"event"`
	Model     string             `json:"model"`
	Version   int                `json:"version,omitempty"`
	Alias     string             `json:"alias,omitempty"`
	From      int                `json:"from,omitempty"` // the alias's version before (promoted)
	Promotion string             `json:"promotion,omitempty"`
	Reasons   []string           `json:"reasons,omitempty"`
	Metrics   map[string]float64 `json:"metrics,omitempty"`
	// ChampionMetrics are the champion's numbers a promotion compared
	// Metrics with (the alias's version From), measured the same way.
	ChampionMetrics map[string]float64 `json:"champion_metrics,omitempty"`
	// MetricsSource says what measured Metrics and ChampionMetrics, which
	// are never a mix: "evaluate step on v4's training data" (the numbers
	// a promotion compared) or "train step" (what the trainer reported
	// about itself).
	MetricsSource string `json:"metrics_source,omitempty"`
	// ApprovedBy and ApprovedAt are the approval a promoted version
	// needed (approval = true), as recorded by mlform approve.
	ApprovedBy string     `json:"approved_by,omitempty"`
	ApprovedAt *time.Time `json:"approved_at,omitempty"`
	// PublishedTo is where a promoted version's files were published
	// (credentials left out); PublishFailed says publishing them failed
	// after the alias moved, so the files there are still the previous
	// version's.
	PublishedTo   string    `json:"published_to,omitempty"`
	PublishFailed bool      `json:"publish_failed,omitempty"`
	At            time.Time `json:"at"`
	// Text is one line chat tools (Slack, Teams) show as is.
	Text string `json:"text"`
}

// Delivery settings: attempts and the first backoff (doubled each retry).
const (
	notifyAttempts = 4
	notifyBackoff  = 250 * time.Millisecond
	notifyTimeout  = 10 * time.Second
	// notifyInterruptGrace is how long a request may still take once
	// apply is interrupted (what it reports is already in state): a
	// webhook that hangs must not hold Ctrl-C for notifyTimeout, let
	// alone every retry.
	notifyInterruptGrace = 2 * time.Second
)

// errInterrupted is the cause of a delivery's context ended by the first
// interrupt (apply's stop request).
var errInterrupted = errors.New("apply interrupted")

// interruptible is ctx, also done (with cause errInterrupted) once stop
// is closed: for delivery, either interrupt ends the retries.
func interruptible(ctx context.Context, stop <-chan struct{}) (context.Context, func()) {
	ictx, cancel := context.WithCancelCause(ctx)
	if stop != nil {
		go func() {
			select {
			case <-stop:
				cancel(errInterrupted)
			case <-ictx.Done():
			}
		}()
	}
	return ictx, func() { cancel(nil) }
}

// afterGrace is a context for requests: not ended by ctx itself, but
// notifyInterruptGrace after ctx is done (or after the call, if ctx is
// done already).
func afterGrace(ctx context.Context) (context.Context, func()) {
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, func() { time.AfterFunc(notifyInterruptGrace, cancel) })
	return rctx, func() { stop(); cancel() }
}

// cancelledWord is how a gave-up message says why delivery stopped.
func cancelledWord(ctx context.Context) string {
	if errors.Is(context.Cause(ctx), errInterrupted) {
		return "interrupted"
	}
	return "cancelled"
}

// wants reports whether the block takes this event of this model.
func (n *Spec) wants(ev Event) bool {
	return slices.Contains(n.Events, ev.Event) && (len(n.Models) == 0 || slices.Contains(n.Models, ev.Model))
}

// Wants reports whether a notify block of specs takes event about model.
func Wants(specs []*Spec, event, model string) bool {
	return slices.ContainsFunc(specs, func(n *Spec) bool { return n.wants(Event{Event: event, Model: model}) })
}

// Send posts ev to every notify block of specs that wants it. Failures
// are logged on the action as warnings; apply goes on.
func Send(ctx context.Context, rc *engine.RunContext, a *plans.Action, specs []*Spec, ev Event) {
	ev.At = rc.Workspace.Now.UTC()
	ev = displayed(ev)
	ctx, done := interruptible(ctx, rc.StopRequested())
	defer done()
	for _, n := range specs {
		if !n.wants(ev) {
			continue
		}
		if err := n.send(ctx, ev); err != nil {
			rc.Progress.Logf(a, "warning: notify.%s (%s): %s event not delivered: %v", n.Name, n.Display, ev.Event, err)
		}
	}
}

// send delivers ev unless an earlier event of this run already gave up on
// the webhook after every attempt: a webhook that hangs costs each event
// its full retries (four attempts of up to notifyTimeout), and a fleet's
// apply would wait that long for every promotion. Once given up on, the
// webhook is not tried again in this run; each later event is a warning
// at once.
func (n *Spec) send(ctx context.Context, ev Event) error {
	if n.run == nil {
		return deliver(ctx, n, ev)
	}
	n.run.mu.Lock()
	down := n.run.gaveUp
	n.run.mu.Unlock()
	if down != "" {
		return fmt.Errorf("not tried: an earlier event of this run was not delivered (%s)", down)
	}
	err := deliver(ctx, n, ev)
	var ge *gaveUpError
	if errors.As(err, &ge) {
		n.run.mu.Lock()
		if n.run.gaveUp == "" {
			n.run.gaveUp = ge.Error()
		}
		n.run.mu.Unlock()
	}
	return err
}

// gaveUpError is a delivery that spent every attempt.
type gaveUpError struct{ msg string }

func (e *gaveUpError) Error() string { return e.msg }

// displayed is ev as people read it: addresses in its text and reasons
// the way the CLI shows them (`module.region["eu"].model.churn`, not the
// kept `model.module.region["eu"].churn`), no metrics label without
// metrics, and a text on one line. The model and promotion fields keep
// the names state and lineage -json use.
func displayed(ev Event) Event {
	// Text is one line (a gate's error_message may have several), with
	// &, < and > escaped as Slack's message format asks: the text quotes
	// names from the data (a drift reason's column), and in a chat tool
	// <!channel> would notify a whole channel and <https://host|x> would
	// be a link. Reasons stay as written, for programs.
	chat := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	ev.Text = chat.Replace(termtext.OneLine(string(objname.DisplayText([]byte(ev.Text)))))
	if len(ev.Reasons) > 0 {
		rs := make([]string, len(ev.Reasons))
		for i, r := range ev.Reasons {
			rs[i] = string(objname.DisplayText([]byte(r)))
		}
		ev.Reasons = rs
	}
	if len(ev.Metrics) == 0 {
		ev.MetricsSource = ""
	}
	return ev
}

// deliver posts the document, retrying network errors, 429 and 5xx with
// exponential backoff. Errors never quote the URL.
//
// ctx is done once apply is interrupted (Send: either Ctrl-C). What an
// event reports is already in state, so an interrupted apply still tells
// (a second Ctrl-C's cancelled train is a `failed` event): a request is
// not cut short by ctx at once but notifyInterruptGrace after it (a
// webhook that hangs does not hold Ctrl-C for notifyTimeout), no further
// attempt is made once ctx is done, and a webhook that failed then is
// given up on for the rest of the run.
func deliver(ctx context.Context, n *Spec, ev Event) error {
	body, err := marshalEvent(ev)
	if err != nil {
		return err
	}
	client := &http.Client{Timeout: notifyTimeout,
		// A redirect could carry the document elsewhere: not followed.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	rctx, done := afterGrace(ctx)
	defer done()
	wait := notifyBackoff
	for attempt := 1; ; attempt++ {
		retry, err := post(rctx, client, n.URL, body)
		if err == nil {
			return nil
		}
		if rctx.Err() != nil {
			return &gaveUpError{fmt.Sprintf("%d attempt(s): no answer within %s of the interrupt (%s)", attempt, notifyInterruptGrace, cancelledWord(ctx))}
		}
		if retry && ctx.Err() != nil {
			return &gaveUpError{fmt.Sprintf("%d attempt(s): %s (%s)", attempt, n.redact(err), cancelledWord(ctx))}
		}
		if !retry {
			// Not worth another attempt (a 4xx, a redirect): say how
			// many were made.
			return fmt.Errorf("%d attempt(s): %s", attempt, n.redact(err))
		}
		if attempt == notifyAttempts {
			return &gaveUpError{fmt.Sprintf("%d attempt(s): %s", attempt, n.redact(err))}
		}
		select {
		case <-ctx.Done():
			return &gaveUpError{fmt.Sprintf("%d attempt(s): %s (%s)", attempt, n.redact(err), cancelledWord(ctx))}
		case <-time.After(wait):
		}
		wait *= 2
	}
}

// post sends one request; retry says whether another attempt may help.
func post(ctx context.Context, client *http.Client, target string, body []byte) (retry bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "mlform")
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) { // its text quotes the URL
			err = ue.Err
		}
		return true, err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return false, nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return true, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return false, fmt.Errorf("HTTP %d", resp.StatusCode)
}

// redact removes the URL and every secret from an error's text.
func (n *Spec) redact(err error) string {
	msg := err.Error()
	for _, s := range n.Secrets {
		if len(s) >= 3 {
			msg = strings.ReplaceAll(msg, s, config.SensitivePlaceholder)
		}
	}
	return msg
}

// marshalEvent is the posted JSON (no HTML escaping: chat tools show the
// text as written).
func marshalEvent(ev Event) ([]byte, error) {
	b, err := textfmt.MarshalLine(ev)
	if err != nil {
		return nil, fmt.Errorf("encode the %s event: %w", ev.Event, err)
	}
	return b, nil
}

// FromConfig maps the configuration's notify blocks onto specs, by name.
func FromConfig(cfg *config.Config) []*Spec {
	var out []*Spec
	for _, name := range slices.Sorted(maps.Keys(cfg.Notifications)) {
		n := cfg.Notifications[name]
		out = append(out, &Spec{Name: n.Name, URL: n.URL, Display: config.NotifyDisplay(n.URL), Events: n.Events, Models: n.Models, run: &runState{},
			Secrets: append([]string{n.URL}, engine.Secrets(cfg)...)})
	}
	return out
}
