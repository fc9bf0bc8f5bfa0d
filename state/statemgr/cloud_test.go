package statemgr_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/mlform/mlform/internal/bloburl"
	"github.com/mlform/mlform/internal/cloudtest"
	mblob "github.com/mlform/mlform/providers/blob"
	"github.com/mlform/mlform/state/statemgr"
	"github.com/mlform/mlform/state/statetest"
)

// TestManagerCloud runs the state manager suite unchanged against a real
// S3 (versitygw), GCS (fake-gcs-server) and Azure (Azurite) server, each
// subtest on a fresh bucket. Servers are started by
// scripts/cloud/with-servers.sh (make test); without them this skips.
func TestManagerCloud(t *testing.T) {
	cloudtest.ForEach(t, func(t *testing.T, c cloudtest.Cloud) {
		statetest.RunManagerTests(t, statetest.URLBackend(func(t *testing.T) string {
			return c.Bucket(t)
		}, t.TempDir()))
	})
}

// TestLockRaceCloud: 20 managers (as 20 mlform processes would have) take
// the lock of one state at the same moment; exactly one wins and every
// other gets a LockedError naming that winner. Repeated; the lock object
// is checked for credentials.
func TestLockRaceCloud(t *testing.T) {
	const contenders, rounds = 20, 10
	cloudtest.ForEach(t, func(t *testing.T, c cloudtest.Cloud) {
		url := c.Bucket(t)
		ctx := context.Background()
		base := t.TempDir()
		managers := make([]*statemgr.Manager, contenders)
		for i := range managers {
			managers[i] = openCloudManager(t, url, base)
		}
		for round := range rounds {
			locks := make([]*statemgr.Lock, contenders)
			errs := make([]error, contenders)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i, m := range managers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					locks[i], errs[i] = m.Lock(ctx, statemgr.LockInfo{Operation: "apply"}, 0)
				}()
			}
			close(start)
			wg.Wait()
			var winner *statemgr.Lock
			for i, err := range errs {
				if err == nil {
					if winner != nil {
						t.Fatalf("round %d: contenders %s and %s both hold the lock", round, winner.Info().ID, locks[i].Info().ID)
					}
					winner = locks[i]
				}
			}
			if winner == nil {
				t.Fatalf("round %d: no contender got the lock: %v", round, errs[0])
			}
			for i, err := range errs {
				if err == nil {
					continue
				}
				var le *statemgr.LockedError
				if !errors.As(err, &le) {
					t.Fatalf("round %d: contender %d: want a LockedError, got %v", round, i, err)
				}
				// A loser that looked after the winner wrote sees its id.
				if le.ID != "" && le.ID != winner.Info().ID {
					t.Errorf("round %d: contender %d was told %s holds the lock; the winner is %s", round, i, le.ID, winner.Info().ID)
				}
				cloudtest.CheckNoSecrets(t, "lock error", err.Error())
			}
			if round == 0 {
				// The lock object exists now: it must not hold a credential.
				checkObjectsClean(t, url)
			}
			if err := winner.Unlock(ctx); err != nil {
				t.Fatalf("round %d: unlock: %v", round, err)
			}
		}
	})
}

// TestStateCarriesNoCredentials writes a state through each cloud, reads
// it back, and checks that neither the state, its backup, the lock object
// nor an error message holds a credential.
func TestStateCarriesNoCredentials(t *testing.T) {
	cloudtest.ForEach(t, func(t *testing.T, c cloudtest.Cloud) {
		url := c.Bucket(t)
		ctx := context.Background()
		m := openCloudManager(t, url, t.TempDir())
		l, err := m.Lock(ctx, statemgr.LockInfo{Operation: "apply"}, 0)
		if err != nil {
			t.Fatalf("Lock: %v", err)
		}
		s, err := m.Read(ctx)
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		s.EnsureModel("churn")
		if err := m.Write(ctx, s); err != nil {
			t.Fatalf("Write: %v", err)
		}
		s.EnsureModel("fraud")
		if err := m.Write(ctx, s); err != nil {
			t.Fatalf("second Write: %v", err)
		}
		// A second holder's error describes the lock and where it is.
		m2 := openCloudManager(t, url, t.TempDir())
		_, err = m2.Lock(ctx, statemgr.LockInfo{Operation: "plan"}, 0)
		if err == nil {
			t.Fatal("second Lock succeeded while the first is held")
		}
		cloudtest.CheckNoSecrets(t, "locked error", err.Error())
		if !strings.Contains(err.Error(), "force-unlock") {
			t.Errorf("locked error does not say how to release the lock: %v", err)
		}
		checkObjectsClean(t, url)
		if err := l.Unlock(ctx); err != nil {
			t.Fatalf("Unlock: %v", err)
		}
	})
}

// openCloudManager opens the manager of the state at url, with its local
// files under base, and closes it when the test ends.
func openCloudManager(t *testing.T, url, base string) *statemgr.Manager {
	t.Helper()
	m, err := statemgr.OpenManager(context.Background(), url, base)
	if err != nil {
		t.Fatalf("OpenManager: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// checkObjectsClean reads every object in the bucket at url and fails if
// one holds a credential.
func checkObjectsClean(t *testing.T, url string) {
	t.Helper()
	ctx := context.Background()
	b, err := mblob.Open(ctx, url, t.TempDir())
	if err != nil {
		t.Fatalf("open %s: %v", bloburl.Redact(url), err)
	}
	defer b.Close()
	n := 0
	it := b.List(nil)
	for {
		o, err := it.Next(ctx)
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			t.Fatalf("list: %v", err)
		}
		data, err := b.ReadAll(ctx, o.Key)
		if err != nil {
			t.Fatalf("read %s: %v", o.Key, err)
		}
		cloudtest.CheckNoSecrets(t, "object "+o.Key, string(data))
		n++
	}
	if n == 0 {
		t.Errorf("no objects in the bucket: nothing was written to check")
	}
}

// TestMissingBucketCloud: a backend url naming a bucket that does not
// exist (a typo) is an error naming it, from a read as from the lock.
// Drivers report a missing bucket like a missing object, and reading the
// state used to say "no state yet": plan -lock=false planned everything
// anew and state pull printed nothing.
func TestMissingBucketCloud(t *testing.T) {
	cloudtest.ForEach(t, func(t *testing.T, c cloudtest.Cloud) {
		url := otherBucket(t, c.Bucket(t), "mlf-no-such-bucket-7f3a")
		ctx := context.Background()
		m := openCloudManager(t, url, t.TempDir())
		_, err := m.Read(ctx)
		checkNoBucket(t, "Read", err)
		_, err = m.Lock(ctx, statemgr.LockInfo{Operation: "apply"}, 0)
		checkNoBucket(t, "Lock", err)
	})
}

func checkNoBucket(t *testing.T, op string, err error) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), "mlf-no-such-bucket-7f3a") || !strings.Contains(err.Error(), "the bucket does not exist") {
		t.Errorf("%s on a missing bucket: err = %v, want one naming it and saying it does not exist", op, err)
		return
	}
	cloudtest.CheckNoSecrets(t, op+" error", err.Error())
}

// otherBucket is url with its bucket (host) replaced by name.
func otherBucket(t *testing.T, url, name string) string {
	t.Helper()
	scheme, rest, ok := strings.Cut(url, "://")
	if !ok {
		t.Fatalf("bucket url %q has no scheme", url)
	}
	i := strings.IndexAny(rest, "/?")
	if i < 0 {
		i = len(rest)
	}
	return scheme + "://" + name + rest[i:]
}
