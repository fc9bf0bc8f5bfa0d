package bloburl

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/mlform/mlform/internal/wanterr"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in                  string
		scheme, dir, bucket string
		prefix              string
		id                  string
		wantErr             string
	}{
		// Cloud schemes: the path is a key prefix, always a directory.
		{in: "s3://b/team-a/state/?region=x", scheme: "s3", bucket: "s3://b?region=x", prefix: "team-a/state/", id: "s3://b/team-a/state/?region=x"},
		{in: "s3://b/team-a/state?region=x", scheme: "s3", bucket: "s3://b?region=x", prefix: "team-a/state/", id: "s3://b/team-a/state/?region=x"},
		{in: "gs://b/team-a", scheme: "gs", bucket: "gs://b", prefix: "team-a/", id: "gs://b/team-a/"},
		{in: "azblob://c/x/y/?protocol=http&domain=h:1&localemu=true", scheme: "azblob", bucket: "azblob://c?domain=h%3A1&localemu=true&protocol=http", prefix: "x/y/", id: "azblob://c/x/y/?domain=h%3A1&localemu=true&protocol=http"},
		{in: "s3://b", scheme: "s3", bucket: "s3://b", id: "s3://b"},
		{in: "s3://b/", scheme: "s3", bucket: "s3://b", id: "s3://b"},
		{in: "s3://b/a%20b/", scheme: "s3", bucket: "s3://b", prefix: "a b/", id: "s3://b/a%20b/"},
		// prefix= is the other spelling of the same prefix: same identity.
		{in: "s3://b?region=x&prefix=team-a/state/", scheme: "s3", bucket: "s3://b?region=x", prefix: "team-a/state/", id: "s3://b/team-a/state/?region=x"},
		{in: "s3://b?prefix=team-a", scheme: "s3", bucket: "s3://b", prefix: "team-a/", id: "s3://b/team-a/"},
		{in: "mem://", scheme: "mem", bucket: "mem://", id: "mem://"},
		{in: "mem:///team-a/", scheme: "mem", bucket: "mem://", prefix: "team-a/", id: "mem:///team-a/"},
		{in: "mem://?prefix=x/", scheme: "mem", bucket: "mem://", prefix: "x/", id: "mem:///x/"},
		// Credentials never reach the identity.
		{in: "s3://b/p/?secret_access_key=zz", scheme: "s3", bucket: "s3://b?secret_access_key=zz", prefix: "p/", id: "s3://b/p/?secret_access_key=REDACTED"},
		// Local directories: the path is the directory, prefix= a subdirectory.
		{in: "file://.mlform/state", scheme: "file", dir: ".mlform/state", id: "file://.mlform/state"},
		{in: ".mlform/state", scheme: "file", dir: ".mlform/state", id: "file://.mlform/state"},
		{in: "file://./.mlform/state/", scheme: "file", dir: ".mlform/state", id: "file://.mlform/state"},
		{in: "file:///srv/m?prefix=state/", scheme: "file", dir: "/srv/m/state", id: "file:///srv/m/state"},
		// Refused.
		{in: "s3://b/team-a/?prefix=team-b/", wantErr: "both a path and a prefix= parameter"},
		{in: "gs://b/x?prefix=y", wantErr: "both a path and a prefix= parameter"},
		{in: "mem:///x/?prefix=y", wantErr: "both a path and a prefix= parameter"},
		{in: "s3://b/a//b/", wantErr: "empty element"},
		{in: "s3://b/a/../b", wantErr: `".." element`},
		{in: "s3://b/./b", wantErr: `"." element`},
		{in: "s3://b?prefix=/abs/", wantErr: `must not start with "/"`},
		{in: "s3://b?prefix=a\\b", wantErr: "backslash"},
		{in: "file:///b?prefix=../escape", wantErr: "must be a relative path inside the directory"},
		// An unknown parameter on a local directory (a typo) was ignored.
		{in: "file://st?prefx=a/", wantErr: `unknown query parameter "prefx" (a file:// URL takes prefix=)`},
		{in: "file:///srv/m?token=abc", wantErr: `bucket URL file:///srv/m?token=REDACTED: unknown query parameter "token"`},
		{in: "file:///srv/m?create_dir=1", scheme: "file", dir: "/srv/m", id: "file:///srv/m"},
		{in: "ftp://h/x", wantErr: `unsupported URL scheme "ftp"`},
		// No bucket: "//" forgotten (the bucket was the opaque part and
		// was dropped), or none written; only mem:// buckets are nameless.
		{in: "s3:mybucket?endpoint=http://127.0.0.1:9000", wantErr: "bucket URL s3:mybucket?endpoint=http://127.0.0.1:9000 names no bucket: write s3://BUCKET/PREFIX/"},
		{in: "s3:///team-a/", wantErr: "names no bucket"},
		{in: "gs://?x=1", wantErr: "names no bucket"},
		{in: "azblob://", wantErr: "names no bucket"},
		{in: "s3:?=://", wantErr: "names no bucket"},
		{in: "mem:x?a=://", wantErr: "names no bucket"},
		// A query Go cannot read whole: its unreadable pairs would be dropped
		// and the bucket opened without them.
		{in: "s3://b?region=eu;endpoint=http://127.0.0.1:9000", wantErr: "invalid query"},
		{in: "azblob://c?domain=h&sas_token=%zz", wantErr: "invalid query"},
		// A parameter given twice: gocloud.dev's S3 and GCS openers used the
		// first value and silently ignored the other.
		{in: "s3://b/p/?region=us-east-1&region=eu-west-1", wantErr: `query parameter "region" is given more than once`},
		{in: "gs://b?anonymous=false&anonymous=true", wantErr: `query parameter "anonymous" is given more than once`},
		{in: "s3://b?prefix=a/&prefix=b/", wantErr: `query parameter "prefix" is given more than once`},
		{in: "file:///srv/m?prefix=a/&prefix=b/", wantErr: `query parameter "prefix" is given more than once`},
		{in: "azblob://c?sas_token=one&sas_token=two", wantErr: `bucket URL azblob://c?sas_token=REDACTED: query parameter "sas_token" is given more than once`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			loc, err := Parse(tt.in)
			if wanterr.Check(t, err, tt.wantErr) {
				return
			}
			if loc.Scheme != tt.scheme || loc.Dir != tt.dir || loc.Bucket != tt.bucket || loc.Prefix != tt.prefix {
				t.Errorf("Parse(%q) = %+v; want scheme %q dir %q bucket %q prefix %q", tt.in, loc, tt.scheme, tt.dir, tt.bucket, tt.prefix)
			}
			if got := loc.String(); got != tt.id {
				t.Errorf("identity = %q, want %q", got, tt.id)
			}
			// The identity of a URL without credentials names the same place.
			if !strings.Contains(tt.id, "REDACTED") {
				again, err := Parse(loc.String())
				if err != nil || again != loc {
					t.Errorf("Parse(identity %q) = %+v, %v; want %+v", loc.String(), again, err, loc)
				}
			}
		})
	}
}

func TestParseRefusesPrefixAndPathTyped(t *testing.T) {
	_, err := Parse("s3://b/a/?prefix=b/&secret=hunter22")
	if !errors.Is(err, ErrPrefixAndPath) {
		t.Fatalf("err = %v, want ErrPrefixAndPath", err)
	}
	if strings.Contains(err.Error(), "hunter22") {
		t.Errorf("error shows a secret: %v", err)
	}
}

func TestIdentity(t *testing.T) {
	tests := []struct {
		a, b    string
		same    bool
		secrets bool
	}{
		{"s3://b/team-a/?region=x", "s3://b?prefix=team-a/&region=x", true, false},
		{"s3://b/team-a/?region=x&awssdk=v2", "s3://b/team-a?awssdk=v2&region=x", true, false},
		{"s3://b/team-a/", "s3://b/team-b/", false, false},
		{"s3://b/team-a/", "s3://b/", false, false},
		{"file://.mlform/state", ".mlform/state", true, false},
		{"file://.mlform/state", "file://state", false, false},
		{"gs://b/x/?access_token=t0k3n", "gs://b/x/?access_token=other", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.a+" vs "+tt.b, func(t *testing.T) {
			ia, sa, err := Identity(tt.a)
			if err != nil {
				t.Fatal(err)
			}
			ib, _, err := Identity(tt.b)
			if err != nil {
				t.Fatal(err)
			}
			if (ia == ib) != tt.same {
				t.Errorf("identities %q and %q: same = %v, want %v", ia, ib, ia == ib, tt.same)
			}
			if sa != tt.secrets {
				t.Errorf("hasSecrets(%q) = %v, want %v", tt.a, sa, tt.secrets)
			}
			if strings.Contains(ia, "t0k3n") {
				t.Errorf("identity %q shows a secret", ia)
			}
		})
	}
}

// FuzzParse: whatever the URL, Parse never panics; a location it accepts
// has a directory-form prefix with no "." or ".." element, an identity
// without the URL's password, and an identity that parses to itself.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"s3://b/team-a/?region=x", "s3://b?prefix=a/", "file://.mlform/state?prefix=x", "mem:///a//b", "gs://u:pw123456@b/x/../y", "azblob://c/%2e%2e/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		loc, err := Parse(raw)
		if err != nil {
			return
		}
		if p := loc.Prefix; p != "" {
			if !strings.HasSuffix(p, "/") || strings.HasPrefix(p, "/") {
				t.Fatalf("Parse(%q): prefix %q is not in directory form", raw, p)
			}
			for _, el := range strings.Split(strings.TrimSuffix(p, "/"), "/") {
				if el == "" || el == "." || el == ".." {
					t.Fatalf("Parse(%q): prefix %q has element %q", raw, p, el)
				}
			}
		}
		id := loc.String()
		if again, err := Parse(id); err == nil && !loc.Local() && again.String() != id {
			t.Fatalf("identity %q of %q is not stable: %q", id, raw, again.String())
		}
		// The identity is printed and recorded in state: no password (or
		// user name alone, often a token) and no secret query value of
		// the URL may reach it.
		u, err := url.Parse(raw)
		if loc.Local() || err != nil {
			return
		}
		var secrets []string
		if pw, ok := u.User.Password(); ok {
			secrets = append(secrets, pw)
		} else if u.User != nil {
			secrets = append(secrets, u.User.Username()) // https://TOKEN@host
		}
		if q, err := url.ParseQuery(u.RawQuery); err == nil {
			for name, vs := range q {
				if secretParam(name) {
					secrets = append(secrets, vs...)
				}
			}
		}
		for _, s := range secrets {
			// Only a secret that shows nowhere else in the URL and that
			// the identity could not hold by chance.
			if len(s) >= 6 && strings.Count(raw, s) == 1 && strings.Contains(id, s) && !strings.Contains("REDACTED", s) {
				t.Fatalf("identity %q of %q shows the secret %q", id, raw, s)
			}
		}
	})
}

func TestPlace(t *testing.T) {
	same := [][]string{
		{"mem://models/prod?token=s3cr3t", "mem://models?prefix=prod/", "mem://models/prod/"},
		{"s3://b/x?region=eu&sig=abc", "s3://b/x/?region=eu", "s3://k:secret@b?prefix=x/&region=eu"},
		{"file://published", "file://./published/", "published"},
	}
	for _, urls := range same {
		want := ""
		for _, u := range urls {
			l, err := Parse(u)
			if err != nil {
				t.Fatalf("Parse(%q): %v", u, err)
			}
			got := l.Place()
			if strings.Contains(got, "s3cr3t") || strings.Contains(got, "secret") || strings.Contains(got, "abc") {
				t.Errorf("Place(%q) = %q shows a credential", u, got)
			}
			if want == "" {
				want = got
			} else if got != want {
				t.Errorf("Place(%q) = %q, want %q (as %q)", u, got, want, urls[0])
			}
		}
	}
	for _, pair := range [][2]string{
		{"s3://b/x?region=eu", "s3://b/y?region=eu"},
		{"s3://b/x?endpoint=http://h1", "s3://b/x?endpoint=http://h2"},
		{"s3://b/x", "gs://b/x"},
	} {
		a, _ := Parse(pair[0])
		b, _ := Parse(pair[1])
		if a.Place() == b.Place() {
			t.Errorf("Place(%q) = Place(%q) = %q", pair[0], pair[1], a.Place())
		}
	}
}
