package scripttest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"
)

// cmdWebhook starts a recording webhook on 127.0.0.1 for the rest of the
// script: webhook URLVAR FILE [STATUS,...] sets URLVAR to its URL (with a
// token in the path, as real webhooks have) and appends each request's
// JSON body, compacted, as one line of FILE. STATUS lists the responses
// to give in turn (the last one repeats; default 204), e.g. 503,200 to
// make the first attempt fail. webhook -down URLVAR sets URLVAR to a
// loopback URL nothing listens on. webhook -hang URLVAR FILE never
// answers: it appends "POST hang" to FILE when a request arrives (wait
// for that line, then interrupt) and holds the request until the client
// gives up or the script ends.
func cmdWebhook(ts *testscript.TestScript, neg bool, args []string) {
	if args[0] == "-hang" {
		if len(args) != 3 {
			ts.Fatalf("usage: webhook -hang URLVAR FILE")
		}
		path := ts.MkAbs(args[2])
		var mu sync.Mutex
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// Read the body first: only then does the server notice the
			// client closing the connection (r.Context() ends).
			io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
			mu.Lock()
			appendLine(path, r.Method+" hang")
			mu.Unlock()
			<-r.Context().Done() // the client went away, or the server closed
		})}
		serveHook(ts, srv, args[1], "T0K3N-hang")
		return
	}
	if args[0] == "-down" {
		if len(args) != 2 {
			ts.Fatalf("usage: webhook -down URLVAR")
		}
		l, err := net.Listen("tcp", "127.0.0.1:0")
		ts.Check(err)
		addr := l.Addr().String()
		ts.Check(l.Close()) // nothing listens there now: connections are refused
		ts.Setenv(args[1], "http://"+addr+"/hook/T0K3N-down")
		return
	}
	if len(args) < 2 || len(args) > 3 {
		ts.Fatalf("usage: webhook URLVAR FILE [STATUS,...]")
	}
	statuses := []int{http.StatusNoContent}
	if len(args) == 3 {
		statuses = nil
		for _, s := range strings.Split(args[2], ",") {
			n, err := strconv.Atoi(s)
			ts.Check(err)
			statuses = append(statuses, n)
		}
	}
	path := ts.MkAbs(args[1])
	var mu sync.Mutex
	calls := 0
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		var line bytes.Buffer
		if err == nil {
			err = json.Compact(&line, body)
		}
		if err != nil {
			line.Reset()
			fmt.Fprintf(&line, "bad request body: %v", err)
		}
		mu.Lock()
		status := statuses[min(calls, len(statuses)-1)]
		calls++
		appendLine(path, fmt.Sprintf("%s %s %d %s", r.Method, r.Header.Get("Content-Type"), status, line.Bytes()))
		mu.Unlock()
		w.WriteHeader(status)
	})}
	serveHook(ts, srv, args[0], "T0K3N-secret")
}

// serveHook runs srv on a loopback port until the script ends and sets
// urlVar to its URL, whose path ends in token as a real webhook's does.
func serveHook(ts *testscript.TestScript, srv *http.Server, urlVar, token string) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	go srv.Serve(l)
	ts.Defer(func() { srv.Close() })
	ts.Setenv(urlVar, "http://"+l.Addr().String()+"/hook/"+token)
}

// appendLine appends line to the webhook's record at path. A failure
// only leaves the line out, for the script to notice; the caller holds
// the webhook's lock, so lines are whole.
func appendLine(path, line string) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err == nil {
		fmt.Fprintln(f, line)
		f.Close()
	}
}
