package storedoc

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/mlform/mlform/internal/hexid"
	"github.com/mlform/mlform/internal/procid"
	"github.com/mlform/mlform/internal/roundtrip"
	"github.com/mlform/mlform/internal/wanterr"
	"github.com/mlform/mlform/internal/whoami"
)

func TestDecodeRoot(t *testing.T) {
	id := strings.Repeat("ab", 32)
	id2 := strings.Repeat("cd", 32)
	const lin = "0b6f8a52-6d0e-4d8f-9a51-1f0f5c3c2a77"
	doc := func(body string) string {
		return `{"kind":"mlform-store-root","format":1,"lineage":"` + lin + `","backend":"b","host":"h","written":"2026-01-05T12:00:00Z","serial":3,` + body + `}`
	}
	tests := []struct {
		name, in, wantErr string
		ids               int
	}{
		{"ok", doc(`"ids":["` + id + `","` + id2 + `"]`), "", 2},
		{"empty-ids", doc(`"ids":[]`), "", 0},
		{"no-ids", doc(`"x":1`), "unknown field", 0},
		{"missing-ids", `{"kind":"mlform-store-root","format":1,"lineage":"` + lin + `"}`, "no ids list", 0},
		{"unsorted", doc(`"ids":["` + id2 + `","` + id + `"]`), "not sorted", 0},
		{"duplicate", doc(`"ids":["` + id + `","` + id + `"]`), "not sorted and unique", 0},
		{"escaping-id", doc(`"ids":["../../etc/passwd"]`), "invalid root id", 0},
		{"upper-hex", doc(`"ids":["` + strings.ToUpper(id) + `"]`), "invalid root id", 0},
		{"bad-lineage", `{"kind":"mlform-store-root","format":1,"lineage":"../x","ids":[]}`, "lineage", 0},
		{"newer-format", `{"kind":"mlform-store-root","format":2,"lineage":"` + lin + `","ids":[]}`, "upgrade mlform", 0},
		{"other-kind", `{"kind":"something","format":1,"lineage":"` + lin + `","ids":[]}`, "not an mlform store root", 0},
		{"control-chars", doc(`"ids":[],"x":0`), "unknown field", 0},
		{"trailing", doc(`"ids":[]`) + `{}`, "data after", 0},
		{"not-json", `nope`, "not valid JSON", 0},
		{"too-big", strings.Repeat(" ", MaxRootSize+1), "more than", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := DecodeRoot([]byte(tc.in))
			if wanterr.Check(t, err, tc.wantErr) {
				return
			}
			if len(r.IDs) != tc.ids || r.Serial != 3 || r.Lineage != lin {
				t.Errorf("decoded %+v", r)
			}
		})
	}
	// Host and backend with control characters are refused both ways.
	if _, err := EncodeRoot(&Root{Lineage: lin, Host: "a\nb"}); err == nil {
		t.Error("EncodeRoot accepted a host with a newline")
	}
	// Encode sorts and deduplicates; the result decodes to the same.
	b, err := EncodeRoot(&Root{Lineage: lin, Written: time.Unix(0, 0), IDs: []string{id2, id, id2}})
	if err != nil {
		t.Fatal(err)
	}
	r, err := DecodeRoot(b)
	if err != nil || len(r.IDs) != 2 || r.IDs[0] != id {
		t.Fatalf("round trip: %+v, %v", r, err)
	}
	// A root is what keeps another workspace's gc from deleting this one's
	// data: a change that still decodes (one hex digit of an id, so the
	// root stops naming the real one; the serial) is refused, not obeyed.
	for _, tc := range []struct{ from, to string }{
		{`"` + id + `"`, `"` + id[:63] + `c"`},
		{`"serial":0`, `"serial":1`},
		{`"lineage":"` + lin, `"lineage":"1` + lin[1:]},
	} {
		changed := strings.Replace(string(b), tc.from, tc.to, 1)
		if changed == string(b) {
			t.Fatalf("%s not in %s", tc.from, b)
		}
		if _, err := DecodeRoot([]byte(changed)); err == nil || !strings.Contains(err.Error(), "checksum mismatch") {
			t.Errorf("root changed from %s to %s: err = %v, want a checksum mismatch", tc.from, tc.to, err)
		}
	}
}

// FuzzDecodeRoot: any input fails cleanly or yields a root whose lineage
// and ids are safe to put in keys, and that re-encodes to itself.
func FuzzDecodeRoot(f *testing.F) {
	id := strings.Repeat("ab", 32)
	f.Add([]byte(`{"kind":"mlform-store-root","format":1,"lineage":"abc-1","backend":"","host":"","written":"2026-01-05T12:00:00Z","serial":1,"ids":["` + id + `"]}`))
	f.Add([]byte(`{"kind":"mlform-store-root","format":1,"lineage":"../x","ids":["../y"]}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, r2, ok := roundtrip.Check(t, "root", data, DecodeRoot, EncodeRoot)
		if !ok {
			return
		}
		if !ValidLineage(r.Lineage) {
			t.Fatalf("decoded an unsafe lineage %q", r.Lineage)
		}
		for _, id := range r.IDs {
			if !hexid.Valid(id) {
				t.Fatalf("decoded an invalid id %q", id)
			}
		}
		if len(r2.IDs) != len(r.IDs) || r2.Lineage != r.Lineage || r2.Serial != r.Serial {
			t.Fatalf("re-encoding changed the root: %+v vs %+v", r2, r)
		}
	})
}

// FuzzDecodeLock: any lock object fails cleanly or yields a holder whose
// text fields are safe to print and whose id is safe in a key.
func FuzzDecodeLock(f *testing.F) {
	f.Add([]byte(`{"type":"mlform-store-lock","format":1,"id":"a-1","kind":"shared","host":"h","pid":3,"user":"u","command":"apply","created":"2026-01-05T12:00:00Z","refreshed":"2026-01-05T12:00:00Z"}`))
	f.Add([]byte(`{"type":"mlform-store-lock","format":1,"id":"../x","kind":"exclusive"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, _, ok := roundtrip.Check(t, "lock", data, DecodeLock, EncodeLock)
		if !ok {
			return
		}
		if !ValidLineage(h.ID) || (h.Kind != LockShared && h.Kind != LockExclusive) {
			t.Fatalf("decoded an unsafe lock %+v", h)
		}
		for _, s := range []string{h.Host, h.User, h.Command} {
			if strings.ContainsFunc(s, isControl) {
				t.Fatalf("decoded a control character in %q", s)
			}
		}
	})
}

func TestLockHolderStale(t *testing.T) {
	now := time.Now()
	// The pid of a process that ran and was reaped.
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	gone := cmd.Process.Pid
	if !procid.Exited(gone) {
		t.Skipf("pid %d was reused at once", gone)
	}
	host := whoami.Host()
	tests := []struct {
		name  string
		h     LockHolder
		stale bool
		why   string
	}{
		{"fresh-this-process", LockHolder{Host: host, PID: os.Getpid(), Refreshed: now}, false, ""},
		{"fresh-other-host", LockHolder{Host: "other", PID: 999999, Refreshed: now}, false, ""},
		{"old-other-host", LockHolder{Host: "other", PID: 1, Refreshed: now.Add(-11 * time.Minute)}, true, "not refreshed"},
		{"old-this-process", LockHolder{Host: host, PID: os.Getpid(), Refreshed: now.Add(-time.Hour)}, true, "not refreshed"},
		{"no-pid", LockHolder{Host: host, Refreshed: now}, false, ""},
		// A holder whose process is gone, recorded on this kernel (or by
		// an older version, with no boot id) is stale at once.
		{"gone-this-kernel", LockHolder{Host: procid.Host(), Boot: procid.Boot(), PID: gone, Refreshed: now}, true, "is gone"},
		{"gone-no-boot-id", LockHolder{Host: procid.Host(), PID: gone, Refreshed: now}, true, "is gone"},
		// Another machine with this host name (cloned VMs, containers
		// given one --hostname): its pid means nothing here, so only the
		// refresh time can make its lock stale.
		{"other-machine-same-name", LockHolder{Host: procid.Host(), Boot: "0badb007-0000-4000-8000-000000000000", PID: gone, Refreshed: now}, false, ""},
		{"other-machine-same-name-old", LockHolder{Host: procid.Host(), Boot: "0badb007-0000-4000-8000-000000000000", PID: gone, Refreshed: now.Add(-11 * time.Minute)}, true, "not refreshed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.h.Boot != "" && procid.Boot() == "" {
				t.Skip("no kernel boot id on this system")
			}
			stale, why := tc.h.Stale(now, 10*time.Minute)
			if stale != tc.stale || !strings.Contains(why, tc.why) {
				t.Errorf("Stale = %v %q, want %v %q", stale, why, tc.stale, tc.why)
			}
		})
	}
}
