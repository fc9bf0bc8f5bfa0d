package kubernetes

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// startLogs follows the step container's logs through the API server
// (pods/log, as `kubectl logs -f`), until the container ends. Where the
// cluster serves stdout and stderr apart (the PodLogsQuerySplitStreams
// feature, alpha since Kubernetes 1.32) each goes to its own writer;
// elsewhere the API interleaves them, and both go to t.Stdout.
func (w *watch) startLogs(pod string) {
	w.logPod = pod
	ctx, cancel := context.WithCancel(context.Background())
	w.logStop = cancel
	w.logsOpen = make(chan struct{})
	var opened sync.WaitGroup
	opened.Add(2)
	go func() {
		opened.Wait()
		close(w.logsOpen)
	}()
	// Each stream is opened on its own: a kubelet sends a stream's headers
	// with its first byte, so opening a silent stream blocks.
	w.logs.Add(2)
	go func() {
		defer w.logs.Done()
		out, err := w.openLog(ctx, pod, corev1.LogStreamStdout)
		if err != nil && splitUnsupported(err) {
			out, err = w.openLog(ctx, pod, "")
		}
		opened.Done()
		if err != nil {
			w.logNote(pod, err)
			return
		}
		copyLines(out, w.task.Stdout)
	}()
	go func() {
		defer w.logs.Done()
		errs, err := w.openLog(ctx, pod, corev1.LogStreamStderr)
		opened.Done()
		if err != nil {
			if !splitUnsupported(err) {
				w.logNote(pod, err)
			}
			return // interleaved into stdout
		}
		copyLines(errs, w.task.Stderr)
	}()
}

// waitLogsOpen waits, before the executor deletes a Job, until the log
// streams are open (for at most logOpenWait): a pod's logs go with it.
func (w *watch) waitLogsOpen() {
	if w.logsOpen == nil {
		return
	}
	t := time.NewTimer(logOpenWait)
	defer t.Stop()
	select {
	case <-w.logsOpen:
	case <-t.C:
	}
}

// logOpenWait bounds waitLogsOpen.
const logOpenWait = 2 * time.Second

// openLog opens a follow stream of one of the container's streams ("" for
// both interleaved).
func (w *watch) openLog(ctx context.Context, pod string, stream string) (io.ReadCloser, error) {
	opts := &corev1.PodLogOptions{Container: ContainerName, Follow: true}
	if stream != "" {
		opts.Stream = &stream
	}
	return w.client.CoreV1().Pods(w.ns).GetLogs(pod, opts).Stream(ctx)
}

// splitUnsupported reports the error of a cluster that cannot serve one
// stream alone: the API server refuses the stream option (the feature is
// off) or the kubelet does.
func splitUnsupported(err error) bool {
	return (apierrors.IsInvalid(err) || apierrors.IsBadRequest(err) || apierrors.IsForbidden(err)) &&
		strings.Contains(strings.ToLower(err.Error()), "stream")
}

// logNote records that the logs could not be read; the result's reason
// carries it.
func (w *watch) logNote(pod string, err error) {
	w.logMu.Lock()
	defer w.logMu.Unlock()
	w.logNotes = append(w.logNotes, fmt.Sprintf("logs of pod %s unavailable: %v", pod, err))
}

// waitLogs waits for the log streams to end (they end with the
// container), for at most logWait.
func (w *watch) waitLogs() {
	done := make(chan struct{})
	go func() {
		w.logs.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(logWait):
		w.stopLogs()
		<-done
	}
}

func (w *watch) stopLogs() {
	if w.logStop != nil {
		w.logStop()
	}
}

// maxLine is the longest piece of a line written at once: a longer line
// takes several Writes, as with the local executor.
const maxLine = 64 << 10

// copyLines copies r to w one whole line per Write (a final line without
// a newline gets one), then closes r. A nil w discards.
func copyLines(r io.ReadCloser, w io.Writer) {
	defer r.Close()
	write := func(p []byte) {
		if w != nil {
			// The step's outcome does not depend on its log reader.
			_, _ = w.Write(p)
		}
	}
	var buf []byte
	rd := make([]byte, 64<<10)
	for {
		n, err := r.Read(rd)
		buf = append(buf, rd[:n]...)
		for {
			i := bytes.IndexByte(buf, '\n')
			if i < 0 {
				for len(buf) >= maxLine {
					write(buf[:maxLine])
					buf = buf[maxLine:]
				}
				break
			}
			line := buf[:i+1]
			for len(line) > maxLine {
				write(line[:maxLine])
				line = line[maxLine:]
			}
			write(line)
			buf = buf[i+1:]
		}
		if err != nil {
			break
		}
	}
	if len(buf) > 0 {
		write(append(buf, '\n'))
	}
}
