package syncbuf

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestBufferConcurrentWrites(t *testing.T) {
	var b Buffer
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 100; j++ {
				fmt.Fprintf(&b, "w%d\n", i)
				_ = b.String()
			}
		}()
	}
	wg.Wait()
	if n := strings.Count(b.String(), "\n"); n != 800 {
		t.Fatalf("%d lines, want 800", n)
	}
}

func TestLineWaiter(t *testing.T) {
	tests := []struct {
		name   string
		writes []string
		seen   bool
	}{
		{"whole line", []string{"ready\n"}, true},
		{"split across writes", []string{"rea", "dy", "\n"}, true},
		{"after other lines", []string{"starting\nready\nmore"}, true},
		{"no newline yet", []string{"ready"}, false},
		{"only a prefix of a line", []string{"not ready\n"}, false},
		{"longer line", []string{"ready now\n"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := NewLineWaiter("ready")
			for _, s := range tt.writes {
				if _, err := w.Write([]byte(s)); err != nil {
					t.Fatal(err)
				}
			}
			select {
			case <-w.Seen():
				if !tt.seen {
					t.Fatal("seen before the line was written")
				}
			default:
				if tt.seen {
					t.Fatal("not seen after the line was written")
				}
			}
		})
	}
}

func TestWrites(t *testing.T) {
	var w Writes
	for _, s := range []string{"a\n", "", "bc"} {
		if n, err := w.Write([]byte(s)); n != len(s) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", s, n, err)
		}
	}
	got := w.All()
	if want := []string{"a\n", "", "bc"}; !slices.Equal(got, want) {
		t.Fatalf("All() = %q, want %q", got, want)
	}
	got[0] = "changed"
	if w.All()[0] != "a\n" {
		t.Fatal("All() shares its slice with the recorder")
	}
}
