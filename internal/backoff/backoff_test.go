package backoff

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestDelay(t *testing.T) {
	p := Policy{Min: 50 * time.Millisecond, Max: 2 * time.Second}
	tests := []struct {
		attempt int
		full    time.Duration
	}{
		{0, 50 * time.Millisecond},
		{1, 100 * time.Millisecond},
		{3, 400 * time.Millisecond},
		{6, 2 * time.Second},
		{100, 2 * time.Second}, // never overflows into a negative shift
	}
	for _, tt := range tests {
		for range 50 {
			if d := p.Delay(tt.attempt); d < tt.full/2 || d > tt.full {
				t.Fatalf("Delay(%d) = %s, want within [%s, %s]", tt.attempt, d, tt.full/2, tt.full)
			}
		}
	}
}

func TestWait(t *testing.T) {
	p := Policy{Min: time.Millisecond, Max: time.Millisecond}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	long := Policy{Min: time.Hour, Max: time.Hour}
	// Deadlines are relative to the call: one taken when the table was
	// built had passed by the time a loaded machine ran its case.
	tests := []struct {
		name  string
		p     Policy
		ctx   context.Context
		after time.Duration // the deadline, from just before the call
		want  error
	}{
		{"time left", p, context.Background(), time.Hour, nil},
		{"deadline gone", p, context.Background(), -time.Second, ErrDeadline},
		{"cancelled", long, cancelled, time.Hour, context.Canceled},
		{"cut to the deadline", long, context.Background(), 50 * time.Millisecond, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.p.Wait(tt.ctx, 0, time.Now().Add(tt.after)); !errors.Is(err, tt.want) {
				t.Errorf("Wait = %v, want %v", err, tt.want)
			}
		})
	}
}
