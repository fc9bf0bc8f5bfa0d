package cloudtest

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func TestURLs(t *testing.T) {
	for _, tc := range []struct {
		cloud, endpoint, name string
		scheme, host          string
		query                 map[string]string
	}{
		{"s3", "http://127.0.0.1:9000", "mlf-1", "s3", "mlf-1",
			map[string]string{"endpoint": "http://127.0.0.1:9000", "region": "us-east-1", "use_path_style": "true"}},
		{"gcs", "127.0.0.1:4443", "mlf-2", "gs", "mlf-2", map[string]string{}},
		{"azure", "127.0.0.1:10000", "mlf-3", "azblob", "mlf-3",
			map[string]string{"protocol": "http", "domain": "127.0.0.1:10000", "localemu": "true"}},
	} {
		t.Run(tc.cloud, func(t *testing.T) {
			c, err := ByName(tc.cloud)
			if err != nil {
				t.Fatal(err)
			}
			raw := c.url(tc.endpoint, tc.name)
			u, err := url.Parse(raw)
			if err != nil {
				t.Fatalf("%s does not parse: %v", raw, err)
			}
			if u.Scheme != tc.scheme || u.Host != tc.host || u.Path != "" {
				t.Errorf("%s: scheme %q host %q path %q, want %q %q and no path", raw, u.Scheme, u.Host, u.Path, tc.scheme, tc.host)
			}
			q := u.Query()
			if len(q) != len(tc.query) {
				t.Errorf("%s: query %v, want %v", raw, q, tc.query)
			}
			for k, v := range tc.query {
				if got := q.Get(k); got != v {
					t.Errorf("%s: %s=%q, want %q", raw, k, got, v)
				}
			}
		})
	}
}

func TestByNameUnknown(t *testing.T) {
	for _, name := range []string{"", "S3", "minio", "gs"} {
		if _, err := ByName(name); err == nil || !strings.Contains(err.Error(), "want s3, gcs or azure") {
			t.Errorf("ByName(%q) = %v, want an error listing the clouds", name, err)
		}
	}
}

// A bucket name must be valid for all three: S3 and GCS buckets and Azure
// containers accept lower-case letters, digits and hyphens, 3 to 63 long,
// starting with a letter or digit.
func TestBucketName(t *testing.T) {
	valid := regexp.MustCompile(`^[a-z0-9][a-z0-9-]{2,62}$`)
	seen := map[string]bool{}
	for range 1000 {
		n, err := bucketName()
		if err != nil {
			t.Fatal(err)
		}
		if !valid.MatchString(n) || strings.Contains(n, "--") {
			t.Fatalf("bucket name %q is not valid on every cloud", n)
		}
		if seen[n] {
			t.Fatalf("bucket name %q repeated", n)
		}
		seen[n] = true
	}
}

func TestUnavailable(t *testing.T) {
	for _, tc := range []struct {
		name     string
		env      map[string]string
		wantOK   bool
		contains string
	}{
		{"running", map[string]string{"MLFORM_TEST_S3_ENDPOINT": "http://127.0.0.1:1"}, true, ""},
		{"reason from start.sh", map[string]string{"MLFORM_TEST_S3_ENDPOINT": "", "MLFORM_TEST_S3_UNAVAILABLE": "cloud tests: versitygw not available (install Go tools / npm to run them)"}, false, "versitygw not available"},
		{"never started", map[string]string{"MLFORM_TEST_S3_ENDPOINT": "", "MLFORM_TEST_S3_UNAVAILABLE": ""}, false, "scripts/cloud/with-servers.sh"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			setEnv(t, tc.env)
			reason := s3Cloud().Unavailable()
			if (reason == "") != tc.wantOK || !strings.Contains(reason, tc.contains) {
				t.Errorf("Unavailable() = %q; want ok=%v containing %q", reason, tc.wantOK, tc.contains)
			}
			if strings.Contains(reason, "\n") {
				t.Errorf("reason spans lines: %q", reason)
			}
		})
	}
}

func TestSecrets(t *testing.T) {
	setEnv(t, map[string]string{
		"AWS_SECRET_ACCESS_KEY": "mlform-secret-abcdef", "AZURE_STORAGE_KEY": "short",
		"AWS_SESSION_TOKEN": "", "AZURE_STORAGE_SAS_TOKEN": "", "AZURE_STORAGE_CONNECTION_STRING": "",
	})
	for _, tc := range []struct {
		text, leaked, scrubbed string
	}{
		{"open s3://b: denied", "", "open s3://b: denied"},
		{"sig mlform-secret-abcdef!", "AWS_SECRET_ACCESS_KEY", "sig REDACTED!"},
		// Values under 8 characters are not looked for: they would match
		// innocent text.
		{"a short key", "", "a short key"},
	} {
		if got := LeakedSecret(tc.text); got != tc.leaked {
			t.Errorf("LeakedSecret(%q) = %q, want %q", tc.text, got, tc.leaked)
		}
		if got := Scrub(tc.text); got != tc.scrubbed {
			t.Errorf("Scrub(%q) = %q, want %q", tc.text, got, tc.scrubbed)
		}
	}
	if got := Secrets(); len(got) != 1 || got[0] != "mlform-secret-abcdef" {
		t.Errorf("Secrets() = %v, want just the AWS secret", got)
	}
}

func TestEnvForwardsSDKVariables(t *testing.T) {
	setEnv(t, map[string]string{
		"AWS_ACCESS_KEY_ID": "id", "AWS_SECRET_ACCESS_KEY": "secret",
		"AWS_CA_BUNDLE": "/etc/ssl/certs/ca-certificates.crt", "STORAGE_EMULATOR_HOST": "127.0.0.1:1",
	})
	env := strings.Join(s3Cloud().Env(), "\n")
	for _, want := range []string{"AWS_ACCESS_KEY_ID=id", "AWS_SECRET_ACCESS_KEY=secret", "AWS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt"} {
		if !strings.Contains(env, want) {
			t.Errorf("s3 Env() lacks %s:\n%s", want, env)
		}
	}
	if strings.Contains(env, "STORAGE_EMULATOR_HOST") {
		t.Errorf("s3 Env() forwards another cloud's variable:\n%s", env)
	}
}

func TestWithPrefix(t *testing.T) {
	for _, tc := range []struct{ in, prefix, want string }{
		{"gs://b", "state/", "gs://b?prefix=state%2F"},
		{"s3://b?region=us-east-1", "store/", "s3://b?region=us-east-1&prefix=store%2F"},
		{"azblob://c?localemu=true", "team a/", "azblob://c?localemu=true&prefix=team+a%2F"},
	} {
		got := WithPrefix(tc.in, tc.prefix)
		if got != tc.want {
			t.Errorf("WithPrefix(%q, %q) = %q, want %q", tc.in, tc.prefix, got, tc.want)
		}
		u, err := url.Parse(got)
		if err != nil || u.Query().Get("prefix") != tc.prefix {
			t.Errorf("WithPrefix(%q, %q) = %q: prefix does not parse back (%v)", tc.in, tc.prefix, got, err)
		}
	}
}

// setEnv sets each variable of env for the length of the test.
func setEnv(t *testing.T, env map[string]string) {
	t.Helper()
	for k, v := range env {
		t.Setenv(k, v)
	}
}
