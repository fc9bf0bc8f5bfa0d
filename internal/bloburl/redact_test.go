package bloburl

import (
	"errors"
	"strings"
	"testing"
)

// Every parameter whose name suggests a secret, and user info of any kind,
// is redacted; harmless parameters are kept as written (TestRedact:
// a URL with no secret is returned unchanged).
func TestRedactSecretParams(t *testing.T) {
	tests := []struct{ in, secret, keep string }{
		{"https://h/x?auth=s3cr3tA", "s3cr3tA", "https://h/x"},
		{"https://h/x?pw=s3cr3tB&region=eu", "s3cr3tB", "region=eu"},
		{"https://h/x?pwd=s3cr3tC", "s3cr3tC", ""},
		{"https://h/x?pass=s3cr3tD", "s3cr3tD", ""},
		{"https://h/x?apikey=s3cr3tE", "s3cr3tE", ""},
		{"s3://b?access_key=s3cr3tF&region=x", "s3cr3tF", "region=x"},
		{"https://h/x?private=s3cr3tG", "s3cr3tG", ""},
		{"https://h/x?Authorization=s3cr3tH", "s3cr3tH", ""},
		{"https://s3cr3tI@github.com/x", "s3cr3tI", "github.com/x"},
		{"https://alice:s3cr3tJ@h/x", "s3cr3tJ", "alice"},
		{"https://h/x#access_token=s3cr3tK", "s3cr3tK", "https://h/x#"},
		{"gs://b?endpoint=http://u:s3cr3tL@127.0.0.1", "s3cr3tL", "127.0.0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := Redact(tt.in)
			if strings.Contains(got, tt.secret) {
				t.Fatalf("Redact(%q) = %q still holds the secret", tt.in, got)
			}
			if !strings.Contains(got, tt.keep) || !strings.Contains(got, "REDACTED") {
				t.Fatalf("Redact(%q) = %q; want it to keep %q and say REDACTED", tt.in, got, tt.keep)
			}
			msg := RedactError(errors.New("driver failed on "+tt.in+" with "+tt.secret), tt.in)
			if strings.Contains(msg, tt.secret) {
				t.Fatalf("RedactError = %q still holds the secret", msg)
			}
		})
	}
}

// A URL an SDK echoes in its error (Go's url.Error quotes the request's
// URL) loses its secrets wherever it appears in the message, even when the
// credential came from the environment rather than mlform's URL.
func TestRedactURLsInText(t *testing.T) {
	tests := []struct{ in, secret, keep string }{
		{`blob (key "k") (code=Unknown): Get "http://127.0.0.1:1/acct/c/k?se=2099&sig=SiGsEcReT%2B1%3D&sp=r": dial tcp 127.0.0.1:1: connect: connection refused`,
			"SiGsEcReT", `sp=r": dial tcp 127.0.0.1:1: connect: connection refused`},
		{"open https://u:pAsSwOrD1@h/x failed", "pAsSwOrD1", " failed"},
		{"two: https://h/a?token=tOkEnOnE1 and <s3://b?x-amz-signature=sIgNaTuRe2>", "tOkEnOnE1", "and <s3://b?x-amz-signature=REDACTED>"},
		{"no url here: sig=visible", "", "sig=visible"},
		{"open bucket s3://b?access_key_id=aKiDsEcReT1&region=x: unknown query parameter", "aKiDsEcReT1", "region=x: unknown query parameter"},
	}
	for _, tt := range tests {
		got := RedactURLs(tt.in)
		if tt.secret != "" && strings.Contains(got, tt.secret) {
			t.Errorf("RedactURLs(%q) = %q still holds the secret", tt.in, got)
		}
		if !strings.Contains(got, tt.keep) {
			t.Errorf("RedactURLs(%q) = %q; want it to keep %q", tt.in, got, tt.keep)
		}
		err := RedactURLsErr(errors.New(tt.in))
		if tt.secret != "" && strings.Contains(err.Error(), tt.secret) {
			t.Errorf("RedactURLsErr(%q) still holds the secret", tt.in)
		}
		if errors.Unwrap(err) == nil && tt.secret != "" {
			t.Errorf("RedactURLsErr(%q) does not unwrap to the original", tt.in)
		}
	}
	if !strings.Contains(RedactText("x two: https://h/a?token=tOkEnOnE1", "mem://"), "REDACTED") {
		t.Error("RedactText leaves an echoed URL's secret")
	}
}
