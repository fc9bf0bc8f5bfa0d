package blob

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"gocloud.dev/blob/azureblob"
	"gocloud.dev/blob/gcsblob"
	"gocloud.dev/blob/memblob"
	"gocloud.dev/blob/s3blob"
	"gocloud.dev/gcp"

	"github.com/mlform/mlform/internal/bloburl"
)

// TestBucketParamsKnown keeps bloburl's lists of the query parameters each
// driver takes (which validate checks a configured URL against) true to
// the gocloud.dev this build links: each driver's URL opener is given
// each listed name, with a value it can read, and must not call the name
// unknown; a name no driver knows must be called unknown, which shows the
// check can fail. The openers make no request when they open a bucket.
func TestBucketParamsKnown(t *testing.T) {
	key := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(key, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	values := map[string]string{
		"region": "eu-west-1", "endpoint": "http://127.0.0.1:1", "profile": "default", "role": "arn:aws:iam::1:role/r",
		"rate_limiter_capacity": "10", "request_checksum_calculation": "when_required",
		"response_checksum_validation": "when_required", "awssdk": "v2", "ssetype": "AES256", "kmskeyid": "k",
		"access_id": "someone@example.com", "private_key_path": key, "universe_domain": "googleapis.com",
		"domain": "127.0.0.1:1", "protocol": "http", "storage_account": "devstoreaccount1",
	}
	openers := map[string]func(context.Context, *url.URL) error{
		"s3": func(ctx context.Context, u *url.URL) error {
			b, err := (&s3blob.URLOpener{}).OpenBucketURL(ctx, u)
			if err == nil {
				b.Close()
			}
			return err
		},
		"gs": func(ctx context.Context, u *url.URL) error {
			b, err := (&gcsblob.URLOpener{Client: &gcp.HTTPClient{}}).OpenBucketURL(ctx, u)
			if err == nil {
				b.Close()
			}
			return err
		},
		"azblob": func(ctx context.Context, u *url.URL) error {
			o := &azureblob.URLOpener{
				ServiceURLOptions: azureblob.ServiceURLOptions{AccountName: "devstoreaccount1"},
				MakeClient: func(svc azureblob.ServiceURL, c azureblob.ContainerName) (*container.Client, error) {
					return container.NewClientWithNoCredential(string(svc)+"/"+string(c), nil)
				},
			}
			b, err := o.OpenBucketURL(ctx, u)
			if err == nil {
				b.Close()
			}
			return err
		},
		"mem": func(ctx context.Context, u *url.URL) error {
			b, err := (&memblob.URLOpener{}).OpenBucketURL(ctx, u)
			if err == nil {
				b.Close()
			}
			return err
		},
	}
	unknown := func(err error, name string) bool {
		return err != nil && strings.Contains(err.Error(), "query parameter") && strings.Contains(err.Error(), `"`+name+`"`)
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	for _, scheme := range bloburl.Schemes() {
		if scheme == "file" {
			continue // Parse checks file:// URLs' parameters itself
		}
		open := openers[scheme]
		if open == nil {
			t.Fatalf("no opener for %s:// in this test", scheme)
		}
		params := append(bloburl.BucketParams(scheme), "nosuchparam")
		for _, name := range params {
			t.Run(scheme+"/"+name, func(t *testing.T) {
				v, ok := values[name]
				if !ok {
					v = "false"
				}
				u := &url.URL{Scheme: scheme, Host: "bucket", RawQuery: url.Values{name: {v}}.Encode()}
				err := open(context.Background(), u)
				if name == "nosuchparam" {
					if !unknown(err, name) {
						t.Errorf("%s: err = %v, want the driver to refuse an unknown parameter", u, err)
					}
					if bloburl.UnknownParam(u.String()) == nil {
						t.Errorf("bloburl.UnknownParam(%s) = nil", u)
					}
					return
				}
				if unknown(err, name) {
					t.Errorf("%s: %v: the driver no longer takes %q; update bloburl's bucketParams", u, err, name)
				}
				if err := bloburl.UnknownParam(u.String()); err != nil {
					t.Errorf("bloburl.UnknownParam(%s): %v", u, err)
				}
			})
		}
	}
}
