package statemgr

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/mlform/mlform/state"
	"github.com/mlform/mlform/state/statejournal"
)

// faultBackend keeps objects in memory and fails the operation it is told
// to, the way a full disk or a dropped connection would.
type faultBackend struct {
	objects map[string][]byte
	// failPut fails put of this object; failGet fails get of it.
	failPut, failGet string
}

var errInjected = errors.New("injected failure")

func (f *faultBackend) get(_ context.Context, name string) ([]byte, error) {
	if name == f.failGet {
		return nil, errInjected
	}
	b, ok := f.objects[name]
	if !ok {
		return nil, errNotExist
	}
	return bytes.Clone(b), nil
}

func (f *faultBackend) put(_ context.Context, name string, data []byte) error {
	if name == f.failPut {
		return errInjected
	}
	f.objects[name] = bytes.Clone(data)
	return nil
}

func (f *faultBackend) create(ctx context.Context, name string, data []byte) error {
	if _, ok := f.objects[name]; ok {
		return errExists
	}
	return f.put(ctx, name, data)
}

func (f *faultBackend) remove(_ context.Context, name string) error {
	if _, ok := f.objects[name]; !ok {
		return errNotExist
	}
	delete(f.objects, name)
	return nil
}

func (f *faultBackend) stat(_ context.Context, name string) (string, error) {
	b, ok := f.objects[name]
	if !ok {
		return "", errNotExist
	}
	return statejournal.Sum(b), nil
}

func (f *faultBackend) location(name string) string { return "fault://" + name }
func (f *faultBackend) close() error                { return nil }

// A write that fails part way leaves the stored state and the caller's
// state as they were, and the caller can write again once the fault is
// gone.
func TestWriteFaults(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, failPut string
		wantBackup    bool // the backup was updated before the failure
	}{
		{"backup write fails", ObjectBackup, false},
		{"state write fails", ObjectState, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fb := &faultBackend{objects: map[string][]byte{}}
			m := &Manager{b: fb}
			s, err := m.Read(ctx)
			if err != nil {
				t.Fatal(err)
			}
			s.Datasets["a"] = &state.Dataset{Name: "a"}
			if err := m.Write(ctx, s); err != nil {
				t.Fatal(err)
			}
			stored := bytes.Clone(fb.objects[ObjectState])
			serial, sum := s.Serial, s.Checksum

			fb.failPut = tc.failPut
			s.Datasets["b"] = &state.Dataset{Name: "b"}
			err = m.Write(ctx, s)
			if !errors.Is(err, errInjected) || !strings.Contains(err.Error(), "fault://state.json") {
				t.Fatalf("Write: %v, want the injected failure naming the state", err)
			}
			if s.Serial != serial || s.Checksum != sum {
				t.Errorf("failed write changed the caller's serial/checksum: %d %s", s.Serial, s.Checksum)
			}
			if !bytes.Equal(fb.objects[ObjectState], stored) {
				t.Error("failed write changed the stored state")
			}
			if got := bytes.Equal(fb.objects[ObjectBackup], stored); got != tc.wantBackup {
				t.Errorf("backup holds the stored state: %v, want %v", got, tc.wantBackup)
			}

			fb.failPut = ""
			if err := m.Write(ctx, s); err != nil {
				t.Fatalf("retry after the fault: %v", err)
			}
			back, err := m.Read(ctx)
			if err != nil || back.Serial != serial+1 || back.Datasets["b"] == nil {
				t.Errorf("after retry: %v, serial %d", err, back.Serial)
			}
		})
	}
}

// A backend that cannot be read is an error, never an empty state that a
// later write would put over the real one.
func TestReadFaults(t *testing.T) {
	ctx := context.Background()
	fb := &faultBackend{objects: map[string][]byte{}, failGet: ObjectState}
	m := &Manager{b: fb}
	if s, err := m.Read(ctx); err == nil {
		t.Fatalf("Read with an unreadable backend returned state %+v", s)
	}
	if err := m.Write(ctx, state.New()); err == nil {
		t.Error("Write with an unreadable backend succeeded")
	}
	fb.failGet = ObjectLock
	if _, err := m.Lock(ctx, LockInfo{Operation: "apply"}, 0); !errors.Is(err, errInjected) {
		t.Errorf("Lock whose lock object cannot be read back: %v", err)
	}
	if _, held := fb.objects[ObjectLock]; held {
		t.Error("an unconfirmed lock was left behind")
	}

	// An unlock that cannot read the lock says how to release it.
	fb.failGet = ""
	l, err := m.Lock(ctx, LockInfo{Operation: "apply"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	fb.failGet = ObjectLock
	if err := l.Unlock(ctx); !errors.Is(err, errInjected) || !strings.Contains(err.Error(), "mlform force-unlock "+l.Info().ID) {
		t.Errorf("Unlock that cannot read the lock: %v", err)
	}
}
