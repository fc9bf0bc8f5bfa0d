package blob

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gblob "gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/mlform/mlform/internal/cloudtest"
)

func TestOpenRejectsUnknownScheme(t *testing.T) {
	_, err := Open(context.Background(), "ftp://user:topsecret@host/x", t.TempDir())
	if err == nil {
		t.Fatal("Open(ftp://...) succeeded, want an error")
	}
	if !strings.Contains(err.Error(), `unsupported URL scheme "ftp"`) || strings.Contains(err.Error(), "topsecret") {
		t.Errorf("error = %q; want it to name the scheme and hide the password", err)
	}
}

func TestOpenFileRoundTrip(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	b, err := Open(ctx, "file://sub/bucket", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.WriteAll(ctx, "k/v", []byte("hello"), nil); err != nil {
		t.Fatal(err)
	}
	got, err := b.ReadAll(ctx, "k/v")
	if err != nil || string(got) != "hello" {
		t.Fatalf("ReadAll = %q, %v", got, err)
	}
}

func TestOpenRejectsEscapingFilePrefix(t *testing.T) {
	_, err := Open(context.Background(), "file:///tmp/x?prefix=../../etc", t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "must be a relative path inside the directory") {
		t.Fatalf("Open with an escaping prefix: err = %v, want a clear refusal", err)
	}
}

// TestGCSUnreachableFails: a GCS endpoint that refuses connections is an
// error after a bounded number of tries. The GCS client retries such
// errors forever by default, so every command hung (holding its state
// lock) on a wrong STORAGE_EMULATOR_HOST or a network outage.
func TestGCSUnreachableFails(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // now refuses connections
	t.Setenv("STORAGE_EMULATOR_HOST", addr)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	b, err := Open(ctx, "gs://no-such-bucket/store/", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	_, err = b.ReadAll(ctx, "config")
	if err == nil || ctx.Err() != nil {
		t.Fatalf("read from an unreachable GCS endpoint: %v (context: %v), want an error before the deadline", err, ctx.Err())
	}
	if !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("error %q does not say the endpoint refused the connection", err)
	}
}

// TestOpenGCSWithoutCredentials: with no Application Default Credentials
// (and no emulator), opening a gs:// bucket fails saying so, and nothing
// reaches standard output: gocloud.dev's opener printed a warning there
// (into `state pull`'s document) and went on with empty credentials,
// failing later with "private key should be a PEM ...".
func TestOpenGCSWithoutCredentials(t *testing.T) {
	t.Setenv("STORAGE_EMULATOR_HOST", "")
	t.Setenv("STORAGE_EMULATOR_HOST_GRPC", "")
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", filepath.Join(t.TempDir(), "missing.json"))
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout := os.Stdout
	os.Stdout = w
	_, err = Open(context.Background(), "gs://some-bucket/team-a/", t.TempDir())
	os.Stdout = stdout
	w.Close()
	printed, _ := io.ReadAll(r)
	if len(printed) != 0 {
		t.Errorf("Open printed to stdout: %q", printed)
	}
	if err == nil || !strings.Contains(err.Error(), "no Google Cloud credentials found") || !strings.Contains(err.Error(), "gs://some-bucket/team-a/") {
		t.Errorf("Open without credentials: err = %v, want one naming the bucket and saying no credentials were found", err)
	}
}

// TestCloudGCSEmulatorHostWithScheme: STORAGE_EMULATOR_HOST written as a
// URL (http://HOST:PORT, the form the Python and Node client libraries
// document) reaches the emulator for writes, conditional creates, reads
// and listings, as HOST:PORT does. gocloud.dev put "http://" in front of
// the value whatever it held, so every request went to the host "http"
// and failed with "lookup http: no such host".
func TestCloudGCSEmulatorHostWithScheme(t *testing.T) {
	bucketURL := cloudtest.GCS(t)
	host := os.Getenv("STORAGE_EMULATOR_HOST")
	for i, form := range []string{host, "http://" + host, "http://" + host + "/"} {
		t.Run(form, func(t *testing.T) {
			t.Setenv("STORAGE_EMULATOR_HOST", form)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			b, err := Open(ctx, fmt.Sprintf("%s/form%d/", bucketURL, i), t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			if err := b.WriteAll(ctx, "state.lock", []byte("held"), &gblob.WriterOptions{IfNotExist: true}); err != nil {
				t.Fatalf("conditional create: %v", err)
			}
			err = b.WriteAll(ctx, "state.lock", []byte("again"), &gblob.WriterOptions{IfNotExist: true})
			if gcerrors.Code(err) != gcerrors.FailedPrecondition {
				t.Errorf("second conditional create: %v, want a precondition failure", err)
			}
			got, err := b.ReadAll(ctx, "state.lock")
			if err != nil || string(got) != "held" {
				t.Fatalf("ReadAll = %q, %v; want the first writer's bytes", got, err)
			}
			obj, err := b.List(nil).Next(ctx)
			if err != nil || obj.Key != "state.lock" {
				t.Fatalf("List: %v, %v; want state.lock", obj, err)
			}
		})
	}
}
