package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// logFiles are a container's output: stdout, stderr and both interleaved
// as written ("all", what a log request without a stream gets), each a
// file in the pod's log directory, filled from pipes the process writes.
type logFiles struct {
	dir          string
	outW, errW   *os.File // the process's ends
	outR, errR   *os.File
	mu           sync.Mutex // orders writes to all
	out, err, al *os.File
	copied       sync.WaitGroup
	drained      chan struct{}
}

func openLogFiles(dir string) (*logFiles, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	l := &logFiles{dir: dir, drained: make(chan struct{})}
	var err error
	open := func(name string) *os.File {
		if err != nil {
			return nil
		}
		var f *os.File
		f, err = os.Create(filepath.Join(dir, name))
		return f
	}
	l.out, l.err, l.al = open("stdout"), open("stderr"), open("all")
	if err == nil {
		l.outR, l.outW, err = os.Pipe()
	}
	if err == nil {
		l.errR, l.errW, err = os.Pipe()
	}
	if err != nil {
		return nil, fmt.Errorf("container logs: %w", err)
	}
	l.copied.Add(2)
	go l.copy(l.outR, l.out)
	go l.copy(l.errR, l.err)
	go func() {
		l.copied.Wait()
		for _, f := range []*os.File{l.out, l.err, l.al} {
			_ = f.Close()
		}
		close(l.drained)
	}()
	return l, nil
}

func (l *logFiles) copy(r *os.File, own *os.File) {
	defer l.copied.Done()
	buf := make([]byte, 64<<10)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			_, _ = own.Write(buf[:n])
			l.mu.Lock()
			_, _ = l.al.Write(buf[:n])
			l.mu.Unlock()
		}
		if err != nil {
			_ = r.Close()
			return
		}
	}
}

// closeWriters closes this process's copies of the pipes' write ends.
func (l *logFiles) closeWriters() {
	_ = l.outW.Close()
	_ = l.errW.Close()
}

// waitDrained waits until every writer has closed the pipes (the process
// group is gone) and the output is in the files; a process that escaped
// the group and keeps them open is cut off after d.
func (l *logFiles) waitDrained(d time.Duration) {
	select {
	case <-l.drained:
	case <-time.After(d):
		_ = l.outR.Close()
		_ = l.errR.Close()
		<-l.drained
	}
}

// ServeHTTP serves the part of the kubelet API the API server proxies to:
// GET /containerLogs/NAMESPACE/POD/CONTAINER with follow and stream
// (Stdout, Stderr or All, the default).
func (p *provider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/healthz" {
		_, _ = io.WriteString(w, "ok")
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/containerLogs/")
	parts := strings.Split(rest, "/")
	if !ok || len(parts) != 3 || r.Method != http.MethodGet {
		http.Error(w, "this test node serves GET /containerLogs/NAMESPACE/POD/CONTAINER only", http.StatusNotFound)
		return
	}
	k, err := p.container(parts[0], parts[1], parts[2])
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	q := r.URL.Query()
	file := "all"
	switch s := q.Get("stream"); s {
	case "", "All":
	case "Stdout":
		file = "stdout"
	case "Stderr":
		file = "stderr"
	default:
		http.Error(w, fmt.Sprintf("invalid stream type %q", s), http.StatusBadRequest)
		return
	}
	f, err := os.Open(filepath.Join(k.logs.dir, file))
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", "text/plain")
	follow := q.Get("follow") == "true"
	flusher, _ := w.(http.Flusher)
	// Headers go out at once, so a client learns the stream is open
	// before the container writes to it.
	w.WriteHeader(http.StatusOK)
	if flusher != nil {
		flusher.Flush()
	}
	buf := make([]byte, 64<<10)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		n, err := f.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return
			}
			if flusher != nil {
				flusher.Flush()
			}
			continue
		}
		if err != nil && err != io.EOF {
			return
		}
		if !follow {
			return
		}
		// At the end of what was written: done once the container is
		// and everything it wrote has been read.
		select {
		case <-k.logs.drained:
			if n, _ := f.Read(buf); n > 0 {
				_, _ = w.Write(buf[:n])
				continue
			}
			return
		case <-r.Context().Done():
			return
		case <-tick.C:
		}
	}
}
