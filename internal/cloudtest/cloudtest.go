// Package cloudtest gives tests a fresh, empty bucket on a real S3, GCS or
// Azure server, so the storage and state suites can run unchanged against
// each cloud by URL.
//
// The servers (versitygw, fake-gcs-server, Azurite) are started on
// 127.0.0.1 by scripts/cloud/with-servers.sh, which `make test` wraps
// around `go test`; it exports where they listen and the credentials the
// SDKs read from their usual environment variables. When a server is not
// running its tests skip with one line saying why, unless
// MLFORM_REQUIRE_CLOUD_TESTS=1 (CI), where that is a failure.
package cloudtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"
)

// RequireEnv names the variable that turns a missing server into a test
// failure instead of a skip.
const RequireEnv = "MLFORM_REQUIRE_CLOUD_TESTS"

// Cloud is one object-store server the cloud tests can run against.
type Cloud struct {
	// Name is the short name used in test names and scripts: s3, gcs, azure.
	Name string
	// Server is the program that plays the cloud in tests.
	Server string
	// endpointEnv holds the server's address once started;
	// unavailableEnv why start.sh could not start it.
	endpointEnv, unavailableEnv string
	// env lists the variables the cloud's SDK reads, which a child process
	// (an mlform run in a testscript) needs to reach the server.
	env []string
	// create makes bucket name on the server at endpoint.
	create func(ctx context.Context, endpoint, name string) error
	// url is the gocloud.dev URL of bucket name on the server at endpoint.
	url func(endpoint, name string) string
}

// caEnv are the CA-bundle variables these machines set; they are passed to
// child processes too, proving the SDKs work with them set.
var caEnv = []string{"AWS_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR", "CURL_CA_BUNDLE", "REQUESTS_CA_BUNDLE"}

// Clouds returns the three clouds, in a fixed order.
func Clouds() []Cloud { return []Cloud{s3Cloud(), gcsCloud(), azureCloud()} }

// ByName returns the cloud called name (s3, gcs or azure).
func ByName(name string) (Cloud, error) {
	for _, c := range Clouds() {
		if c.Name == name {
			return c, nil
		}
	}
	return Cloud{}, fmt.Errorf("unknown cloud %q (want s3, gcs or azure)", name)
}

// S3 returns the URL of a fresh bucket on the S3 server (versitygw).
func S3(t testing.TB) string { t.Helper(); return s3Cloud().Bucket(t) }

// GCS returns the URL of a fresh bucket on the GCS server (fake-gcs-server).
func GCS(t testing.TB) string { t.Helper(); return gcsCloud().Bucket(t) }

// Azure returns the URL of a fresh container on the Azure server (Azurite).
func Azure(t testing.TB) string { t.Helper(); return azureCloud().Bucket(t) }

// Required reports whether a missing server must fail the tests.
func Required() bool { return os.Getenv(RequireEnv) == "1" }

// Unavailable returns why the cloud's server cannot be used, or "" when it
// is running.
func (c Cloud) Unavailable() string {
	if os.Getenv(c.endpointEnv) != "" {
		return ""
	}
	if reason := os.Getenv(c.unavailableEnv); reason != "" {
		return reason
	}
	return fmt.Sprintf("cloud tests: %s server (%s) not running; run the tests through scripts/cloud/with-servers.sh, as make test does", c.Name, c.Server)
}

// Need skips the test with one line saying why when the cloud's server is
// not running, or fails it under MLFORM_REQUIRE_CLOUD_TESTS=1. Call it
// once at the top of a suite so a missing server is one skip, not one per
// subtest.
func (c Cloud) Need(t testing.TB) {
	t.Helper()
	if reason := c.Unavailable(); reason != "" {
		if Required() {
			t.Fatalf("%s (%s=1: a cloud server that cannot start is a failure)", reason, RequireEnv)
		}
		t.Skip(reason)
	}
}

// Bucket returns the URL of a new, empty bucket on the cloud's server. It
// skips or fails the test as Need does when the server is not running, and
// fails it when the bucket cannot be created.
func (c Cloud) Bucket(t testing.TB) string {
	t.Helper()
	c.Need(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	url, err := c.NewBucket(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return url
}

// NewBucket creates a new, empty bucket on the running server and returns
// its gocloud.dev URL.
func (c Cloud) NewBucket(ctx context.Context) (string, error) {
	endpoint := os.Getenv(c.endpointEnv)
	if endpoint == "" {
		return "", fmt.Errorf("%s", c.Unavailable())
	}
	name, err := bucketName()
	if err != nil {
		return "", err
	}
	if err := c.create(ctx, endpoint, name); err != nil {
		return "", fmt.Errorf("create bucket %s on %s (%s at %s): %s", name, c.Name, c.Server, endpoint, Scrub(err.Error()))
	}
	return c.url(endpoint, name), nil
}

// Env returns NAME=value for every variable set in this process that a
// child process needs to reach the cloud's server the way a user's
// environment would (credentials, emulator host, CA bundles).
func (c Cloud) Env() []string {
	var out []string
	for _, name := range append(append([]string{}, c.env...), caEnv...) {
		if v, ok := os.LookupEnv(name); ok {
			out = append(out, name+"="+v)
		}
	}
	return out
}

// bucketName returns a random name valid as an S3 bucket, a GCS bucket and
// an Azure container: lower-case letters, digits and hyphens, 3 to 63.
func bucketName() (string, error) {
	b := make([]byte, 10)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("bucket name: %w", err)
	}
	return "mlf-" + hex.EncodeToString(b), nil
}

// WithPrefix returns bucketURL narrowed to the keys under prefix, with
// gocloud.dev's prefix query parameter (every driver honours it).
func WithPrefix(bucketURL, prefix string) string {
	sep := "?"
	if strings.Contains(bucketURL, "?") {
		sep = "&"
	}
	return bucketURL + sep + "prefix=" + url.QueryEscape(prefix)
}

// ForEach runs f as a subtest per cloud, named after it, each skipped as
// Need says when its server is not running: how a suite runs unchanged
// against every cloud. The clouds run side by side (parallel subtests;
// f must not call t.Setenv or t.Chdir): each has its own server and f
// its own buckets, and most of a suite's time is round trips to the
// server, so one after another tripled the wait.
func ForEach(t *testing.T, f func(t *testing.T, c Cloud)) {
	for _, c := range Clouds() {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			c.Need(t)
			f(t, c)
		})
	}
}
