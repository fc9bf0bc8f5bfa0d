package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlform/mlform/state/statemgr"
)

// TestPrepareBackend covers init's backend step where no state is opened:
// the decisions and the messages, and that a refused step leaves the
// remembered backend as it was.
func TestPrepareBackend(t *testing.T) {
	tests := []struct {
		name       string
		remembered string // "" for none
		configured string
		flags      initBackendFlags
		wantErr    string
		wantOut    string
		wantRecord string // remembered afterwards
		// onLock: a first init records the backend only once it holds the
		// state lock (rememberBackend), so one that fails records nothing.
		onLock bool
	}{
		{name: "first init records", configured: "file://a", wantRecord: "file://a", onLock: true},
		{name: "unchanged", remembered: "file://a", configured: "file://./a/", wantRecord: "file://a"},
		{name: "changed without a flag", remembered: "file://a", configured: "file://b", wantErr: "init -migrate-state", wantRecord: "file://a"},
		{name: "reconfigure", remembered: "file://a", configured: "file://b", flags: initBackendFlags{reconfigure: true},
			wantOut: "now file://b (was file://a)", wantRecord: "file://b"},
		{name: "old URL had credentials", remembered: "gs://b/x/?access_token=s3cr3tvalue", configured: "file://b", flags: initBackendFlags{migrate: true},
			wantErr: "give the old URL with -from-backend=URL", wantRecord: "gs://b/x/?access_token=REDACTED"},
		{name: "from-backend must name the remembered one", remembered: "file://a", configured: "file://b", flags: initBackendFlags{migrate: true, from: "file://c"},
			wantErr: "-from-backend names file://c, but this workspace was initialized with file://a", wantRecord: "file://a"},
		{name: "nothing remembered, nothing to migrate", configured: "file://b", flags: initBackendFlags{migrate: true},
			wantOut: "no earlier backend is remembered", wantRecord: "file://b", onLock: true},
		{name: "exclusive flags", remembered: "file://a", configured: "file://b", flags: initBackendFlags{migrate: true, reconfigure: true},
			wantErr: "exclude each other", wantRecord: "file://a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wd := t.TempDir()
			if tt.remembered != "" {
				rec, err := statemgr.NewBackendRecord(tt.remembered)
				if err != nil {
					t.Fatal(err)
				}
				if err := statemgr.WriteBackendRecord(wd, rec); err != nil {
					t.Fatal(err)
				}
			}
			var out bytes.Buffer
			g := &Globals{Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" }}
			err := prepareBackend(context.Background(), g, tt.flags, LockFlags{Enabled: true}, tt.configured, wd)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("err = %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
			}
			if !strings.Contains(out.String(), tt.wantOut) {
				t.Errorf("output %q, want it to contain %q", out.String(), tt.wantOut)
			}
			if strings.Contains(out.String(), "s3cr3tvalue") || (err != nil && strings.Contains(err.Error(), "s3cr3tvalue")) {
				t.Error("a credential reached the output")
			}
			if tt.onLock {
				if rec, err := statemgr.ReadBackendRecord(wd); rec != nil || err != nil {
					t.Fatalf("recorded %+v, %v before init held the lock", rec, err)
				}
				if err := rememberBackend(g); err != nil {
					t.Fatal(err)
				}
			}
			rec, err := statemgr.ReadBackendRecord(wd)
			if err != nil || rec == nil || rec.URL != tt.wantRecord {
				t.Fatalf("remembered %+v, %v; want %q", rec, err, tt.wantRecord)
			}
			data, _ := os.ReadFile(filepath.Join(wd, statemgr.BackendRecordPath))
			if strings.Contains(string(data), "s3cr3tvalue") {
				t.Errorf("the record holds a credential: %s", data)
			}
		})
	}
}
