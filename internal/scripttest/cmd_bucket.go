package scripttest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	gblob "gocloud.dev/blob"

	// The bucket drivers, registered for gblob.OpenBucket.
	_ "github.com/mlform/mlform/providers/blob"

	"github.com/mlform/mlform/internal/cloudtest"
)

// bucketpath VAR PATH [NAME=VALUE]: sets VAR to $CLOUD_URL with PATH
// between the bucket and the query (the key-prefix form of a URL), plus
// the query parameter NAME=VALUE when given.
func cmdBucketPath(ts *testscript.TestScript, neg bool, args []string) {
	base := ts.Getenv("CLOUD_URL")
	if base == "" {
		ts.Fatalf("bucketpath: $CLOUD_URL is not set (run `cloud NAME` first)")
	}
	u := cloudtest.WithPath(base, args[1])
	if len(args) == 3 {
		sep := "?"
		if strings.Contains(u, "?") {
			sep = "&"
		}
		u += sep + args[2]
	}
	ts.Setenv(args[0], u)
}

// bucketkeys PREFIX...: lists every key of the whole bucket $CLOUD_URL to
// stdout, one per line, sorted, and fails when a key is under none of the
// PREFIXes (or the bucket is empty), naming the key.
func cmdBucketKeys(ts *testscript.TestScript, neg bool, args []string) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	b, err := gblob.OpenBucket(ctx, ts.Getenv("CLOUD_URL"))
	ts.Check(err)
	defer b.Close()
	var keys []string
	it := b.List(nil)
	for {
		obj, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			ts.Fatalf("list the bucket: %s", cloudtest.Scrub(err.Error()))
		}
		keys = append(keys, obj.Key)
	}
	sort.Strings(keys)
	if len(keys) == 0 {
		ts.Fatalf("bucketkeys: the bucket is empty")
	}
	var outside []string
	for _, k := range keys {
		under := false
		for _, p := range args {
			under = under || strings.HasPrefix(k, p)
		}
		if !under {
			outside = append(outside, k)
		}
	}
	fmt.Fprintf(ts.Stdout(), "%s\n", strings.Join(keys, "\n"))
	if len(outside) > 0 {
		ts.Fatalf("bucketkeys: %d key(s) under none of %s: %s", len(outside), strings.Join(args, " "), strings.Join(outside, ", "))
	}
}
