package interrupt

import (
	"context"
	"strings"
	"syscall"
	"testing"

	"github.com/mlform/mlform/internal/syncbuf"
)

// TestStopLevels sends real SIGINTs to the test process: before the actions
// begin one interrupt cancels; after, the first only requests a stop and
// the second cancels.
func TestStopLevels(t *testing.T) {
	tests := []struct {
		name       string
		begin      bool
		signals    int
		wantCancel bool
		wantEarly  bool
		wantText   string
	}{
		{"before any action", false, 1, true, true, "before any action started"},
		{"first interrupt", true, 1, false, false, "finishing running actions"},
		{"second interrupt", true, 2, true, false, "Second interrupt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			events := make(chan string, 4)
			var out syncbuf.Buffer
			h := Watch(&out, func(e string) { events <- e }, cancel)
			defer h.Release()
			if tt.begin && !h.Begin() {
				t.Fatal("Begin = false with no interrupt")
			}
			for i := 0; i < tt.signals; i++ {
				if err := syscall.Kill(syscall.Getpid(), syscall.SIGINT); err != nil {
					t.Fatal(err)
				}
				<-events // handled
			}
			<-h.Requested
			if tt.wantCancel {
				<-ctx.Done()
			}
			if !tt.wantCancel && ctx.Err() != nil {
				t.Error("the first interrupt after Begin cancelled the running actions")
			}
			if h.AbortedEarly() != tt.wantEarly {
				t.Errorf("AbortedEarly = %v, want %v", h.AbortedEarly(), tt.wantEarly)
			}
			if !tt.begin && h.Begin() {
				t.Error("Begin = true after an early interrupt")
			}
			if !strings.Contains(out.String(), tt.wantText) {
				t.Errorf("message %q, want one containing %q", out.String(), tt.wantText)
			}
		})
	}
}
