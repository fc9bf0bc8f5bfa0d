package notify

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestDeliverInterrupted: the first interrupt (apply's stop channel, not a
// cancelled ctx) ends delivery: a request the webhook holds is abandoned
// notifyInterruptGrace after the interrupt instead of notifyTimeout (times
// four attempts), a failing webhook gets no retry, and one that answers
// within the grace still gets the event.
func TestDeliverInterrupted(t *testing.T) {
	tests := []struct {
		name        string
		hang        bool // hold every request until the client gives up
		status      int
		stopFirst   bool // interrupted before delivery starts
		wantErr     string
		wantMaxTime time.Duration
	}{
		{name: "hanging webhook, interrupt during the request", hang: true,
			wantErr: "1 attempt(s): no answer within 2s of the interrupt (interrupted)", wantMaxTime: notifyTimeout},
		{name: "hanging webhook, interrupted before", hang: true, stopFirst: true,
			wantErr: "1 attempt(s): no answer within 2s of the interrupt (interrupted)", wantMaxTime: notifyTimeout},
		{name: "failing webhook, interrupted before", status: 503, stopFirst: true,
			wantErr: "1 attempt(s): HTTP 503 (interrupted)", wantMaxTime: notifyTimeout},
		{name: "answering webhook, interrupted before", status: 204, stopFirst: true, wantMaxTime: notifyTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			arrived := make(chan struct{}, 8)
			quit := make(chan struct{})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body) // then the server sees the client go
				arrived <- struct{}{}
				if tt.hang {
					select {
					case <-r.Context().Done():
					case <-quit:
					}
					return
				}
				w.WriteHeader(tt.status)
			}))
			defer srv.Close()
			defer close(quit)
			stop := make(chan struct{})
			if tt.stopFirst {
				close(stop)
			}
			ctx, done := interruptible(context.Background(), stop)
			defer done()
			n := &Spec{Name: "t", URL: srv.URL + "/hook/T0K3N", Secrets: []string{srv.URL + "/hook/T0K3N"}, run: &runState{}}
			start := time.Now()
			errc := make(chan error, 1)
			go func() { errc <- n.send(ctx, Event{Event: "promoted", Model: "m", Version: 1}) }()
			<-arrived // the webhook has the request
			if !tt.stopFirst {
				close(stop)
			}
			err := <-errc
			if took := time.Since(start); took >= tt.wantMaxTime {
				t.Errorf("delivery took %s, want under %s", took, tt.wantMaxTime)
			}
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("send = %v, want delivered", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("send = %v, want %q", err, tt.wantErr)
			case err != nil && strings.Contains(err.Error(), "T0K3N"):
				t.Errorf("send = %v quotes the URL", err)
			}
			if extra := len(arrived); extra != 0 {
				t.Errorf("%d more request(s) after the interrupt, want none", extra)
			}
			// Given up on: the next event of the run is not tried.
			if tt.wantErr != "" {
				if err := n.send(ctx, Event{Event: "promoted", Model: "m", Version: 2}); err == nil || !strings.Contains(err.Error(), "not tried") {
					t.Errorf("next send = %v, want not tried", err)
				}
			}
		})
	}
}
