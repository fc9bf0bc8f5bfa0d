package bloburl

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	tests := []struct {
		in, want string
		secret   string // when set, RedactText must also drop it from a message quoting in
	}{
		{"s3://bucket/prefix?region=us-east-1", "s3://bucket/prefix?region=us-east-1", ""},
		{"s3://bucket/prefix?region=eu-west-1", "s3://bucket/prefix?region=eu-west-1", ""},
		{"https://alice:hunter2@example.com/x", "https://alice:REDACTED@example.com/x", ""},
		{"azblob://c?sas_token=abc&domain=x", "azblob://c?domain=x&sas_token=REDACTED", ""},
		{"s3://b?awssdk=v2&secret_access_key=zzz", "s3://b?awssdk=v2&secret_access_key=REDACTED", ""},
		{"gs://b?access_token=t0k", "gs://b?access_token=REDACTED", ""},
		{"file:///tmp/x", "file:///tmp/x", ""},
		{"mem://", "mem://", ""},
		// An empty query shows no "?", redacted or not.
		{"s3://b/state.json?", "s3://b/state.json", ""},
		{"s3://alice:hunter2@b/state.json?", "s3://alice:REDACTED@b/state.json", ""},
		{"s3://b?endpoint=http://u:pw9@127.0.0.1:9000&region=x", "s3://b?endpoint=http%3A%2F%2Fu%3AREDACTED%40127.0.0.1%3A9000&region=x", ""},
		{"s3://b?endpoint=http://127.0.0.1:9000", "s3://b?endpoint=http://127.0.0.1:9000", ""},
		// A query Go's url.ParseQuery cannot read whole (a ';' separator, a
		// bad escape) drops those pairs, and their secrets with them, from
		// what it returns: they are redacted as written, in Redact and in
		// RedactText.
		{"s3://b?region=eu&token=%zzs3cr3tM", "s3://b?region=eu&token=REDACTED", "%zzs3cr3tM"},
		{"s3://b?region=eu&a=b;sas_token=s3cr3tN", "s3://b?region=eu&a=b;sas_token=REDACTED", "s3cr3tN"},
		{"s3://b?region=eu&endpoint=http://u:s3cr3tO@h;x=1", "s3://b?region=eu&endpoint=http%3A%2F%2Fu%3AREDACTED%40h;x=1", "s3cr3tO"},
		{"mem://b?x=1&pw=s3cr3tP;y", "mem://b?x=1&pw=REDACTED;y", "s3cr3tP"},
		{"s3://b?region=eu;x=%zz", "s3://b?region=eu;x=REDACTED", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := Redact(tt.in); got != tt.want {
				t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if tt.secret == "" {
				return
			}
			msg := RedactText("open "+tt.in+": bad value "+tt.secret, tt.in)
			if strings.Contains(msg, tt.secret) {
				t.Errorf("RedactText kept the secret: %q", msg)
			}
		})
	}
}

func TestRedactErrorRemovesSecrets(t *testing.T) {
	tests := []struct {
		url, errMsg, secret string
	}{
		{"https://u:pw123456@h/b", "dial https://u:pw123456@h/b: refused", "pw123456"},
		{"s3://b?secret=s3cr3tvalue", "open mem:?secret=s3cr3tvalue failed", "s3cr3tvalue"},
		{"azblob://c?sas_token=a%2Fb%3Dc", "bad token a/b=c", "a/b=c"},
		{"s3://b?endpoint=http://u:pw9x7@h:1", "open s3://b?endpoint=http%3A%2F%2Fu%3Apw9x7%40h%3A1: dial http://u:pw9x7@h:1", "pw9x7"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			got := RedactError(errors.New(tt.errMsg), tt.url)
			if strings.Contains(got, tt.secret) {
				t.Errorf("RedactError kept the secret %q: %q", tt.secret, got)
			}
		})
	}
}

func FuzzRedact(f *testing.F) {
	f.Add("https://u:secretpw@h/x?token=abcd")
	f.Add("s3://b?secret=zz")
	f.Fuzz(func(t *testing.T, raw string) {
		out := Redact(raw)
		// Whatever the input, a password that url.Parse recognises must not survive.
		if u, err := url.Parse(raw); err == nil && u.User != nil {
			if pw, ok := u.User.Password(); ok && len(pw) >= 6 && strings.Contains(out, pw) && !strings.Contains("REDACTED", pw) {
				t.Errorf("Redact(%q) = %q keeps the password", raw, out)
			}
		}
	})
}
