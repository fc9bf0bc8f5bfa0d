package check

import (
	"strings"
	"testing"
	"time"

	"github.com/mlform/mlform/internal/wanterr"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr string
	}{
		{in: "30m", want: 30 * time.Minute},
		{in: "168h", want: 168 * time.Hour},
		{in: "1h30m", want: 90 * time.Minute},
		{in: "7d", want: 7 * 24 * time.Hour},
		{in: "1d12h", want: 36 * time.Hour},
		{in: " 2d ", want: 48 * time.Hour},
		{in: "0s", want: 0},
		{in: "-1h", want: -time.Hour},
		{in: "", wantErr: "empty duration"},
		{in: "weekly", wantErr: `invalid duration "weekly"`},
		{in: "1.5d", wantErr: "days must be a whole number"},
		{in: "d", wantErr: "invalid duration"},
		{in: "5", wantErr: "invalid duration"},
		{in: "1d-1h", wantErr: "mixed signs"},
		{in: "999999999d", wantErr: "too long"},
		{in: "99999999999999999999h", wantErr: "too long"},
		{in: "100000d2000000h", wantErr: "too long"},
		{in: "6 hours", wantErr: "use a number with a unit"},
		{in: "1.5x", wantErr: "use a number with a unit"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDuration(tt.in)
			if wanterr.Check(t, err, tt.wantErr) {
				return
			}
			if got != tt.want {
				t.Fatalf("ParseDuration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

// TestChecks: every string-setting grammar accepts what it should and
// refuses the rest with an error that says what is wrong, and no error
// quotes a URL's password.
func TestChecks(t *testing.T) {
	checks := map[string]func(string) error{"BlobURL": BlobURL, "Source": Source, "Glob": Glob, "Cron": Cron, "Alias": Alias}
	tests := []struct {
		check, in, wantErr string // wantErr "": accepted
	}{
		{"BlobURL", "file://.mlform/state", ""},
		{"BlobURL", "file:///abs/dir", ""},
		{"BlobURL", "mem://", ""},
		{"BlobURL", "s3://bucket/prefix?region=eu-west-1", ""},
		{"BlobURL", "gs://bucket", ""},
		{"BlobURL", "azblob://container", ""},
		{"BlobURL", "", "empty"},
		{"BlobURL", "data/store", "is not a URL: use a blob URL such as file://data/store"},
		{"BlobURL", "ftp://host/x", `unsupported URL scheme "ftp"`},
		{"BlobURL", "https://user:pw@host/x", `"https://user:REDACTED@host/x"`},
		{"BlobURL", "s3://", "names no bucket"},
		{"BlobURL", "file://", "names no directory"},
		{"BlobURL", "s3://b/%zz", "not a valid URL"},
		{"BlobURL", "s3://b/team-a/?prefix=team-b/", "both a path and a prefix= parameter"},
		{"BlobURL", "gs://b/a/../b", `".." element`},
		{"Source", "data/churn", ""},
		{"Source", "/abs/data", ""},
		{"Source", "data/file.csv", ""},
		{"Source", "s3://bucket/prefix/", ""},
		{"Source", "", "the source is empty"},
		{"Source", "  ", "the source is empty"},
		{"Source", "ftp://x/y", `unsupported URL scheme "ftp"`},
		{"Source", "data\n", `the source "data\n" contains a control character`},
		{"Source", "da\x1b[2Jta", "contains a control character"},
		{"Source", "data\xff", "is not valid UTF-8"},
		{"Source", "data dir/ñ", ""},
		{"Glob", "**/*.csv", ""},
		{"Glob", "trainer/**", ""},
		{"Glob", "{a,b}/*.go", ""},
		{"Glob", "data/[a-c]*.csv", ""},
		{"Glob", "", "empty"},
		{"Glob", "[abc", "not a valid glob"},
		{"Glob", "{a,b", "not a valid glob"},
		{"Glob", "/etc/*", "absolute"},
		{"Glob", "../other/**", `uses ".."`},
		{"Glob", "a/../../b", `uses ".."`},
		{"Glob", "**/*.csv\n", "contains a control character"},
		{"Glob", "\t*.csv", "contains a control character"},
		{"Glob", "{./a,b}/**", ""},
		{"Glob", "some{thing,}", ""},
		{"Glob", "{../x,y}", `"{../x,y}" uses ".." (its alternative "../x")`},
		{"Glob", "d/{a,..}/e", `uses ".." (its alternative "d/../e")`},
		{"Glob", "{,a}/x", `"{,a}/x" is absolute (its alternative "/x")`},
		{"Glob", "{a,}", `"{a,}" has an empty alternative`},
		{"Glob", "data/{}.csv", `empty brace group "{}"`},
		{"Glob", "*{*,a}.csv", `two "*" side by side`},
		{"Glob", "{a,b}{c,d}{e,f}{g,h}{i,j}{k,l}{m,n}{o,p}{q,r}", "stand for more than 256 patterns"},
		{"Cron", "0 3 * * 1", ""},
		{"Cron", "*/15 * * * *", ""},
		{"Cron", "@daily", ""},
		{"Cron", "@weekly", ""},
		{"Cron", "@every 1h", ""},
		{"Cron", "CRON_TZ=Europe/Paris 0 3 * * *", ""},
		{"Cron", "", "the schedule is empty"},
		{"Cron", "0 3 * *", "invalid cron expression"},
		{"Cron", "0 3 * * * *", "invalid cron expression"},
		{"Cron", "61 * * * *", "invalid cron expression"},
		{"Cron", "@sometimes", "invalid cron expression"},
		{"Cron", "CRON_TZ=Nowhere/City 0 3 * * *", "invalid cron expression"},
		// A zone with no expression after it panicked in the library.
		{"Cron", "CRON_TZ=UTC", "want CRON_TZ=Zone followed by a cron expression"},
		{"Cron", "TZ=", "want TZ=Zone followed by a cron expression"},
		{"Cron", "CRON_TZ=Europe/Paris", "want CRON_TZ=Zone followed by a cron expression"},
		{"Cron", "TZ=UTC 0 3 * * *", ""},
		// @every needs a positive interval, as every does.
		{"Cron", "@every 0s", "the interval must be positive"},
		{"Cron", "@every -1h", "the interval must be positive"},
		// A schedule no date matches would never fire.
		{"Cron", "0 0 30 2 *", `schedule "0 0 30 2 *" is never due`},
		{"Cron", "0 0 31 4 *", "is never due"},
		{"Cron", "0 0 29 2 *", ""},
		{"Alias", "production", ""},
		{"Alias", "staging-eu", ""},
		{"Alias", "canary_2", ""},
		{"Alias", "_x", ""},
		{"Alias", "", "the alias is empty"},
		{"Alias", "7", "is not a valid alias"},
		{"Alias", "2024", "is not a valid alias"},
		{"Alias", "prod uction", "is not a valid alias"},
		{"Alias", "a@b", "is not a valid alias"},
		{"Alias", "-x", "is not a valid alias"},
	}
	for _, tt := range tests {
		t.Run(tt.check+"/"+tt.in, func(t *testing.T) {
			err := checks[tt.check](tt.in)
			if wanterr.Check(t, err, tt.wantErr) && strings.Contains(err.Error(), ":pw@") {
				t.Fatalf("error leaks the password: %v", err)
			}
		})
	}
}

func TestRequiredVersion(t *testing.T) {
	tests := []struct {
		constraint, running string
		want                string // "" ok, else summary
	}{
		{">= 0.1", "0.1.0", ""},
		{">= 0.1", "0.0.9", "Unsupported mlform version"},
		{"~> 0.1", "0.9.3", ""},
		{"~> 0.1", "1.0.0", "Unsupported mlform version"},
		{"~> 0.1.2", "0.1.9", ""},
		{"~> 0.1.2", "0.2.0", "Unsupported mlform version"},
		{"~> 0.1.2", "0.1.1", "Unsupported mlform version"},
		{"~> 1", "1.9", ""},
		{"~> 1", "2.0", "Unsupported mlform version"},
		{">= 0.1, < 0.2", "0.1.5", ""},
		{">= 0.1, < 0.2", "0.2.0", "Unsupported mlform version"},
		{"0.1.0", "0.1.0", ""},
		{"= 0.1", "0.1.0", ""},
		{"!= 0.1.0", "0.1.0", "Unsupported mlform version"},
		{"> 0.1.0", "0.1.0-dev", "Unsupported mlform version"},
		{"<= 1.0", "v0.9.0", ""},
		{"", "0.1.0", "Invalid required_version"},
		{">= x", "0.1.0", "Invalid required_version"},
		{">= 1.2.3.4", "0.1.0", "Invalid required_version"},
		{">= 0.1,", "0.1.0", "Invalid required_version"},
		{">= 0.1", "", ""},
		{">= 0.1", "devel", "Invalid mlform version"},
	}
	for _, tt := range tests {
		t.Run(tt.constraint+" "+tt.running, func(t *testing.T) {
			err := RequiredVersion(tt.constraint, tt.running)
			got := ""
			if err != nil {
				got = err.Summary
			}
			if got != tt.want {
				t.Fatalf("RequiredVersion(%q, %q) = %q (%v); want %q", tt.constraint, tt.running, got, err, tt.want)
			}
		})
	}
}
