package statemgr_test

import (
	"testing"

	"github.com/mlform/mlform/state/statemgr"
)

// FuzzDecodeLockInfo feeds arbitrary bytes to the lock object decoder: what
// it accepts must be printable and re-encode to an equal lock.
func FuzzDecodeLockInfo(f *testing.F) {
	f.Add([]byte(`{"id":"6f1c2a9e-4d7b-4b3e-9a51-0c8d2f7e1a44","operation":"apply","who":"a@b","version":"0.1.0","created":"2026-01-05T12:00:00Z","path":"/x/state.json","host":"b","pid":42}`))
	f.Add([]byte(`{"id":"x\u0007"}`))
	f.Add([]byte(`{"id":"a","pid":-1}`))
	f.Add([]byte("\x00garbage{"))
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := statemgr.DecodeLockInfo(b)
		if err != nil {
			return
		}
		enc, err := statemgr.EncodeLockInfo(info)
		if err != nil {
			t.Fatalf("decoded lock info does not encode: %v", err)
		}
		again, err := statemgr.DecodeLockInfo(enc)
		if err != nil || again.ID != info.ID || again.Who != info.Who || !again.Created.Equal(info.Created) {
			t.Fatalf("lock info round trip: %+v vs %+v (%v)", again, info, err)
		}
		_ = (&statemgr.LockedError{ID: info.ID, Holder: info}).Error()
	})
}
