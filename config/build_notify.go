package config

import (
	"net/url"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// Notifications: `notify "NAME" { url = "https://..."; events = [...] }`
// posts a JSON document to a webhook once per event of an apply (a
// promotion, a held candidate, a failed train, a retrain on drift, a
// candidate awaiting approval). A webhook URL carries its secret in its
// path (Slack, Teams), so it is never shown or recorded as written: only
// its scheme and host (NotifyDisplay).

// Notification events.
const (
	EventPromoted         = "promoted"
	EventHeld             = "held"
	EventFailed           = "failed"
	EventDrift            = "drift"
	EventAwaitingApproval = "awaiting_approval"
)

// NotifyEvents lists every event, in the order the docs give them.
func NotifyEvents() []string {
	return []string{EventPromoted, EventHeld, EventFailed, EventDrift, EventAwaitingApproval}
}

// Notify is one webhook.
type Notify struct {
	Name string
	// URL is where the document is posted: http or https. It may hold a
	// secret anywhere, so show NotifyDisplay(URL) instead.
	URL string
	// Events are the events posted (default: all).
	Events []string
	// Models limits the events to these models (empty: every model).
	Models    []string
	DeclRange hcl.Range
}

// NotifyDisplay is how messages name a webhook: its scheme and host only
// ("https://hooks.slack.com/…"), since the rest of a webhook URL is the
// credential.
func NotifyDisplay(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(webhook URL)"
	}
	return u.Scheme + "://" + u.Host + "/…"
}

// evalNotify reads a notify block.
func (l *loader) evalNotify(e *blockEval, n *node) {
	nt := &Notify{Name: n.name, Events: NotifyEvents(), DeclRange: n.block.DefRange()}
	if s, a, ok := e.Str("url", true); ok {
		u, err := url.Parse(s)
		switch {
		case err != nil || u.Host == "":
			e.Errorf(a.Expr.Range(), "Invalid webhook URL", "url in %s must be an http:// or https:// URL with a host, like https://hooks.slack.com/services/....", e.Where)
		case u.Scheme != "https" && u.Scheme != "http":
			e.Errorf(a.Expr.Range(), "Invalid webhook URL", "url in %s must use https:// (or http://), not %s://.", e.Where, u.Scheme)
		}
		nt.URL = s
	}
	if list, a, ok := e.StrList("events"); ok {
		if len(list) == 0 {
			e.Errorf(a.Expr.Range(), "Invalid events", "events in %s lists none; remove it to be told of every event (%s).", e.Where, strings.Join(NotifyEvents(), ", "))
		}
		e.checkKnownOnce(a, "events", list, NotifyEvents(), "Unknown event", "is not an event; events are "+strings.Join(NotifyEvents(), ", "))
		nt.Events = list
	}
	if list, ok := e.refList("models", kindModel); ok {
		nt.Models = list
	}
	l.cfg.Notifications[n.name] = nt
}
