package notify

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
)

func TestDeliver(t *testing.T) {
	tests := []struct {
		name     string
		statuses []int
		wantErr  string // "" for delivered
		calls    int
	}{
		{name: "delivered at once", statuses: []int{204}, calls: 1},
		{name: "retried after 503 and 429", statuses: []int{503, 429, 200}, calls: 3},
		{name: "a 4xx is not retried", statuses: []int{404}, wantErr: "HTTP 404", calls: 1},
		{name: "gives up after the last attempt", statuses: []int{500}, wantErr: "4 attempt(s): HTTP 500", calls: notifyAttempts},
		{name: "a redirect is not followed", statuses: []int{302}, wantErr: "HTTP 302", calls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var bodies []Event
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				var ev Event
				if err := json.Unmarshal(b, &ev); err != nil || r.Header.Get("Content-Type") != "application/json" {
					t.Errorf("bad request %q: %v", b, err)
				}
				mu.Lock()
				defer mu.Unlock()
				bodies = append(bodies, ev)
				if tt.statuses[0] == 302 {
					w.Header().Set("Location", "/elsewhere")
				}
				w.WriteHeader(tt.statuses[min(len(bodies)-1, len(tt.statuses)-1)])
			}))
			defer srv.Close()
			url := srv.URL + "/hook/T0K3N"
			n := &Spec{Name: "t", URL: url, Secrets: []string{url}}
			err := deliver(context.Background(), n, Event{Event: "promoted", Model: "m", Version: 2, Text: "mlform: <b>&</b>"})
			if (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("deliver = %v, want %q", err, tt.wantErr)
			}
			if len(bodies) != tt.calls || bodies[0].Model != "m" || bodies[0].Text != "mlform: <b>&</b>" {
				t.Fatalf("requests %+v, want %d", bodies, tt.calls)
			}
		})
	}
}

func TestDeliverUnreachableRedacts(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL + "/hook/T0K3N"
	srv.Close() // nothing listens any more
	n := &Spec{Name: "t", URL: url, Secrets: []string{url, "T0K3N"}}
	err := deliver(context.Background(), n, Event{Event: "held", Model: "m"})
	if err == nil || strings.Contains(err.Error(), "T0K3N") || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("deliver = %v", err)
	}
}

func TestNotifyWants(t *testing.T) {
	tests := []struct {
		name string
		n    Spec
		ev   Event
		want bool
	}{
		{"event asked for", Spec{Events: []string{"promoted", "held"}}, Event{Event: "held", Model: "m"}, true},
		{"event not asked for", Spec{Events: []string{"promoted"}}, Event{Event: "failed", Model: "m"}, false},
		{"model asked for", Spec{Events: []string{"drift"}, Models: []string{"m"}}, Event{Event: "drift", Model: "m"}, true},
		{"another model", Spec{Events: []string{"drift"}, Models: []string{"other"}}, Event{Event: "drift", Model: "m"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.n.wants(tt.ev); got != tt.want {
				t.Fatalf("wants = %v, want %v", got, tt.want)
			}
		})
	}
}

// What a chat tool shows names module objects as the CLI does.
func TestDisplayed(t *testing.T) {
	tests := []struct {
		name string
		in   Event
		want Event
	}{
		{name: "root objects unchanged",
			in:   Event{Model: "churn", Text: "mlform: model.churn v2 held out of production: x", Reasons: []string{"x"}, Metrics: map[string]float64{"a": 1}, MetricsSource: "train step"},
			want: Event{Model: "churn", Text: "mlform: model.churn v2 held out of production: x", Reasons: []string{"x"}, Metrics: map[string]float64{"a": 1}, MetricsSource: "train step"}},
		{name: "module addresses as users write them",
			in: Event{Model: `module.region["eu"].churn`, Text: `mlform: model.module.region["eu"].churn v1 promoted to production (new alias): v1 has no gates`,
				Reasons: []string{`drift in tenure: PSI 0.5 > 0.2 (dataset.module.region["eu"].d)`}},
			want: Event{Model: `module.region["eu"].churn`, Text: `mlform: module.region["eu"].model.churn v1 promoted to production (new alias): v1 has no gates`,
				Reasons: []string{`drift in tenure: PSI 0.5 > 0.2 (module.region["eu"].dataset.d)`}}},
		{name: "text on one line",
			// A multi-line gate error_message (a heredoc) is one reason,
			// kept as written; the text chat tools show stays one line.
			in:   Event{Model: "churn", Text: "mlform: model.churn v2 held out of production: quality too low\nsee the runbook\r\n\tnow", Reasons: []string{"quality too low\nsee the runbook"}},
			want: Event{Model: "churn", Text: "mlform: model.churn v2 held out of production: quality too low see the runbook   now", Reasons: []string{"quality too low\nsee the runbook"}}},
		{name: "text escapes what chat tools read as markup",
			// A column name from the data reaches the text through a
			// drift reason: in Slack, <!channel> would notify everyone
			// and <https://host|x> would be a link.
			in:   Event{Model: "churn", Text: "mlform: model.churn v2 drifted: drift in <!channel> & <https://host|x>: PSI 0.5 > 0.2", Reasons: []string{"drift in <!channel> & <https://host|x>: PSI 0.5 > 0.2"}},
			want: Event{Model: "churn", Text: "mlform: model.churn v2 drifted: drift in &lt;!channel&gt; &amp; &lt;https://host|x&gt;: PSI 0.5 &gt; 0.2", Reasons: []string{"drift in <!channel> & <https://host|x>: PSI 0.5 > 0.2"}}},
		{name: "no label without metrics",
			in:   Event{Model: "churn", MetricsSource: "train step"},
			want: Event{Model: "churn"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := displayed(tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("displayed =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

// statusServer answers every request with status; calls counts them.
func statusServer(t *testing.T, status int) (srv *httptest.Server, calls func() int) {
	var (
		mu sync.Mutex
		n  int
	)
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return srv, func() int {
		mu.Lock()
		defer mu.Unlock()
		return n
	}
}

// TestSendGivesUpOncePerRun: a webhook that is still not reached after
// every attempt is not tried again by later events of the same run (a
// hanging endpoint would cost each event four timeouts, and a fleet's
// apply that much per promotion); an event it refused (4xx) does not stop
// the next one.
func TestSendGivesUpOncePerRun(t *testing.T) {
	for _, tt := range []struct {
		status    int
		wantCalls int // requests for three events
		wantErr   []string
	}{
		{503, notifyAttempts, []string{"4 attempt(s): HTTP 503", "not tried: an earlier event of this run was not delivered (4 attempt(s): HTTP 503)", "not tried"}},
		{404, 3, []string{"1 attempt(s): HTTP 404", "1 attempt(s): HTTP 404", "1 attempt(s): HTTP 404"}},
	} {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			srv, calls := statusServer(t, tt.status)
			n := &Spec{Name: "t", URL: srv.URL + "/hook/T0K3N", Secrets: []string{srv.URL + "/hook/T0K3N"}, run: &runState{}}
			for i, want := range tt.wantErr {
				err := n.send(context.Background(), Event{Event: "promoted", Model: "m", Version: i + 1})
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("event %d: send = %v, want an error with %q", i+1, err, want)
				}
			}
			if n := calls(); n != tt.wantCalls {
				t.Errorf("%d requests, want %d", n, tt.wantCalls)
			}
		})
	}
}

// TestSendAfterCancel: what an event reports is already in state when it
// is sent, so an apply cancelled by a second Ctrl-C (its cancelled train
// is a failed event) still tells the webhook; it makes one attempt, not
// four, and a webhook that fails then is not tried again in the run.
func TestSendAfterCancel(t *testing.T) {
	for _, tt := range []struct {
		status    int
		wantCalls int // requests for two events
		wantErr   []string
	}{
		{204, 2, []string{"", ""}},
		{503, 1, []string{"1 attempt(s): HTTP 503 (cancelled)", "not tried: an earlier event of this run was not delivered"}},
	} {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			srv, calls := statusServer(t, tt.status)
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			n := &Spec{Name: "t", URL: srv.URL + "/hook", Secrets: []string{srv.URL + "/hook"}, run: &runState{}}
			for i, want := range tt.wantErr {
				err := n.send(ctx, Event{Event: "failed", Model: "m", Version: i + 1})
				if (err == nil) != (want == "") || (err != nil && !strings.Contains(err.Error(), want)) {
					t.Errorf("event %d: send = %v, want %q", i+1, err, want)
				}
			}
			if n := calls(); n != tt.wantCalls {
				t.Errorf("%d requests, want %d", n, tt.wantCalls)
			}
		})
	}
}
