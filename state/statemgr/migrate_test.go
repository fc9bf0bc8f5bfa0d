package statemgr_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gocloud.dev/blob"
	"gocloud.dev/blob/memblob"

	"github.com/mlform/mlform/internal/testtree"
	"github.com/mlform/mlform/state"
	"github.com/mlform/mlform/state/statemgr"
	"github.com/mlform/mlform/state/statetest"
)

func TestMigrate(t *testing.T) {
	tests := []struct {
		name    string
		source  bool   // the old backend holds the sample state
		dest    string // "", "same" (same lineage, older), "other" (another lineage)
		force   bool
		wantErr string
		// wantLineage: "source" or "other" is what the new backend holds after.
		wantLineage string
	}{
		{name: "empty destination", source: true, wantLineage: "source"},
		{name: "older copy of the same lineage", source: true, dest: "same", wantLineage: "source"},
		{name: "another lineage refused", source: true, dest: "other", wantErr: "another lineage", wantLineage: "other"},
		{name: "another lineage forced", source: true, dest: "other", force: true, wantLineage: "source"},
		{name: "nothing to copy", dest: "other", wantLineage: "other"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			ob, nb := memblob.OpenBucket(nil), memblob.OpenBucket(nil)
			defer ob.Close()
			defer nb.Close()
			from, to := statemgr.NewBucketManager(ob, "mem://old"), statemgr.NewBucketManager(nb, "mem://new")
			src := statetest.Sample()
			src.Serial = 41
			if tt.source {
				write(t, ob, src)
			}
			other := state.New()
			other.Serial = 3
			switch tt.dest {
			case "same":
				old := statetest.Sample()
				old.Serial = 2
				old.Lineage = src.Lineage
				write(t, nb, old)
			case "other":
				write(t, nb, other)
			}
			res, err := statemgr.Migrate(ctx, from, to, statemgr.MigrateOptions{Lock: true, Info: statemgr.LockInfo{Operation: "init -migrate-state"}, Force: tt.force})
			if tt.wantErr != "" {
				var lc *statemgr.LineageConflictError
				if !errors.As(err, &lc) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want a LineageConflictError containing %q", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			} else if res.SourceEmpty == tt.source {
				t.Errorf("SourceEmpty = %v with source %v", res.SourceEmpty, tt.source)
			}
			got, err := to.Read(ctx)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{"source": src.Lineage, "other": other.Lineage}[tt.wantLineage]
			if got.Lineage != want {
				t.Errorf("new backend lineage = %s, want %s (%s)", got.Lineage, want, tt.wantLineage)
			}
			if tt.wantLineage == "source" && !tt.force && got.Serial != src.Serial {
				t.Errorf("new backend serial = %d, want the source's %d", got.Serial, src.Serial)
			}
			if tt.wantLineage == "source" && len(got.Models) != len(src.Models) {
				t.Errorf("new backend has %d models, want %d", len(got.Models), len(src.Models))
			}
			// Both locks were released, and the source is untouched.
			for _, b := range []interface {
				Exists(context.Context, string) (bool, error)
			}{ob, nb} {
				if ok, _ := b.Exists(ctx, statemgr.ObjectLock); ok {
					t.Error("a lock object was left behind")
				}
			}
			if tt.source {
				if s, err := from.Read(ctx); err != nil || s.Serial != src.Serial {
					t.Errorf("source after migration: serial %v, %v", s, err)
				}
			}
		})
	}
}

func TestBackendRecord(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		recorded, configured string
		match                bool
	}{
		{"file://.mlform/state", "file://.mlform/state", true},
		{"file://.mlform/state", ".mlform/state/", true},
		{"file://.mlform/state", "file://" + filepath.Join(dir, ".mlform/state"), true},
		{"file://.mlform/state", "file://other", false},
		{"s3://b/team-a/?region=x", "s3://b?prefix=team-a/&region=x", true},
		{"s3://b/team-a/?region=x", "s3://b/team-b/?region=x", false},
		{"gs://b/x/?access_token=one1234567", "gs://b/x/?access_token=two1234567", true},
	}
	for _, tt := range tests {
		t.Run(tt.recorded+" vs "+tt.configured, func(t *testing.T) {
			r, err := statemgr.NewBackendRecord(tt.recorded)
			if err != nil {
				t.Fatal(err)
			}
			if err := statemgr.WriteBackendRecord(dir, r); err != nil {
				t.Fatal(err)
			}
			data, _ := os.ReadFile(filepath.Join(dir, statemgr.BackendRecordPath))
			if strings.Contains(string(data), "1234567") {
				t.Fatalf("record holds a credential: %s", data)
			}
			back, err := statemgr.ReadBackendRecord(dir)
			if err != nil || back == nil || *back != *r {
				t.Fatalf("read back %+v, %v; want %+v", back, err, r)
			}
			if got := back.Matches(tt.configured, dir); got != tt.match {
				t.Errorf("Matches(%q) = %v, want %v", tt.configured, got, tt.match)
			}
		})
	}
}

func TestReadBackendRecordRefusesDamaged(t *testing.T) {
	for _, doc := range []string{"{", `{"format_version":2,"url":"file://x"}`, `{"format_version":1,"url":""}`, `{"format_version":1,"url":"s3://b/a/?prefix=b/"}`, `{"format_version":1,"url":"file://x","extra":1}`} {
		dir := testtree.Temp(t, map[string]string{statemgr.BackendRecordPath: doc})
		if _, err := statemgr.ReadBackendRecord(dir); err == nil || !strings.Contains(err.Error(), "init -reconfigure") {
			t.Errorf("record %q: err = %v, want a refusal naming init -reconfigure", doc, err)
		}
	}
	if r, err := statemgr.ReadBackendRecord(t.TempDir()); r != nil || err != nil {
		t.Errorf("no record: %v, %v; want nil, nil", r, err)
	}
}

// write stores s, encoded, as the bucket's state document.
func write(t *testing.T, b interface {
	WriteAll(context.Context, string, []byte, *blob.WriterOptions) error
}, s *state.State) {
	t.Helper()
	doc, err := state.Encode(s)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.WriteAll(context.Background(), statemgr.ObjectState, doc, nil); err != nil {
		t.Fatal(err)
	}
}
