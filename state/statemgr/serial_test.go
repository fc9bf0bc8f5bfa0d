package statemgr_test

import (
	"bytes"
	"context"
	"errors"
	"math"
	"testing"

	"gocloud.dev/blob/memblob"

	"github.com/mlform/mlform/state"
	"github.com/mlform/mlform/state/statemgr"
	"github.com/mlform/mlform/state/statetest"
)

// TestSerialOverflowRefused: a serial has no successor at 2^64-1. Every
// write that would need one is refused with ErrSerialOverflow and leaves
// the stored document and the caller's State as they were; writes below
// the maximum, and writes that change nothing, still work.
func TestSerialOverflowRefused(t *testing.T) {
	const maxSerial = uint64(math.MaxUint64)
	tests := []struct {
		name   string
		stored uint64 // serial of the stored document
		// act changes or pushes something; it returns the error.
		act     func(ctx context.Context, m *statemgr.Manager, s *state.State) error
		wantErr bool
		// wantSerial is the stored serial afterwards.
		wantSerial uint64
	}{
		{name: "write below the maximum reaches it", stored: maxSerial - 1, act: changeAndWrite, wantSerial: maxSerial},
		{name: "write at the maximum", stored: maxSerial, act: changeAndWrite, wantErr: true, wantSerial: maxSerial},
		{name: "unchanged write at the maximum writes nothing", stored: maxSerial, act: func(ctx context.Context, m *statemgr.Manager, s *state.State) error {
			return m.Write(ctx, s)
		}, wantSerial: maxSerial},
		{name: "forced push over the maximum", stored: maxSerial, act: func(ctx context.Context, m *statemgr.Manager, s *state.State) error {
			return push(ctx, m, s, 5, true)
		}, wantErr: true, wantSerial: maxSerial},
		{name: "push of a document at the maximum", stored: 7, act: func(ctx context.Context, m *statemgr.Manager, s *state.State) error {
			return push(ctx, m, s, maxSerial, false)
		}, wantErr: true, wantSerial: 7},
		{name: "push just below the maximum", stored: 7, act: func(ctx context.Context, m *statemgr.Manager, s *state.State) error {
			return push(ctx, m, s, maxSerial-1, false)
		}, wantSerial: maxSerial - 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			b := memblob.OpenBucket(nil)
			defer b.Close()
			m := statemgr.NewBucketManager(b, "mem://")
			s := statetest.Sample()
			s.Serial = tt.stored
			doc, err := state.Encode(s)
			if err != nil {
				t.Fatal(err)
			}
			if err := b.WriteAll(ctx, statemgr.ObjectState, doc, nil); err != nil {
				t.Fatal(err)
			}
			s, err = m.Read(ctx)
			if err != nil {
				t.Fatal(err)
			}
			err = tt.act(ctx, m, s)
			switch {
			case tt.wantErr && !errors.Is(err, statemgr.ErrSerialOverflow):
				t.Fatalf("err = %v, want ErrSerialOverflow", err)
			case !tt.wantErr && err != nil:
				t.Fatalf("err = %v", err)
			}
			after, err := m.Read(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if after.Serial != tt.wantSerial {
				t.Errorf("stored serial = %d, want %d", after.Serial, tt.wantSerial)
			}
			if tt.wantErr {
				now, _ := b.ReadAll(ctx, statemgr.ObjectState)
				if !bytes.Equal(now, doc) {
					t.Error("a refused write changed the stored document")
				}
				if s.Serial != tt.stored {
					t.Errorf("a refused write left s.Serial = %d, want %d", s.Serial, tt.stored)
				}
			}
		})
	}
}

// changeAndWrite records something new and writes it.
func changeAndWrite(ctx context.Context, m *statemgr.Manager, s *state.State) error {
	s.EnsureModel("overflow_probe")
	return m.Write(ctx, s)
}

// push stores s's content under serial with Push.
func push(ctx context.Context, m *statemgr.Manager, s *state.State, serial uint64, force bool) error {
	c := *s
	c.Serial = serial
	c.Checksum = ""
	doc, err := state.Encode(&c)
	if err != nil {
		return err
	}
	_, err = m.Push(ctx, doc, force)
	return err
}
