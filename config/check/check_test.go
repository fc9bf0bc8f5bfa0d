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

func TestCheckBlobURL(t *testing.T) {
	tests := []struct {
		in      string
		wantErr string
	}{
		{in: "file://.mlform/state"},
		{in: "file:///abs/dir"},
		{in: "mem://"},
		{in: "s3://bucket/prefix?region=eu-west-1"},
		{in: "gs://bucket"},
		{in: "azblob://container"},
		{in: "", wantErr: "empty"},
		{in: "data/store", wantErr: "is not a URL: use a blob URL such as file://data/store"},
		{in: "ftp://host/x", wantErr: `unsupported URL scheme "ftp"`},
		{in: "https://user:pw@host/x", wantErr: `"https://user:REDACTED@host/x"`},
		{in: "s3://", wantErr: "names no bucket"},
		{in: "file://", wantErr: "names no directory"},
		{in: "s3://b/%zz", wantErr: "not a valid URL"},
		{in: "s3://b/team-a/?prefix=team-b/", wantErr: "both a path and a prefix= parameter"},
		{in: "gs://b/a/../b", wantErr: `".." element`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			err := BlobURL(tt.in)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("BlobURL(%q) = %v", tt.in, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("BlobURL(%q) = %v; want error containing %q", tt.in, err, tt.wantErr)
			}
			if strings.Contains(err.Error(), ":pw@") {
				t.Fatalf("error leaks the password: %v", err)
			}
		})
	}
}

func TestCheckSource(t *testing.T) {
	for _, ok := range []string{"data/churn", "/abs/data", "data/file.csv", "s3://bucket/prefix/"} {
		if err := Source(ok); err != nil {
			t.Errorf("Source(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "  ", "ftp://x/y"} {
		if err := Source(bad); err == nil {
			t.Errorf("Source(%q) accepted", bad)
		}
	}
}

func TestCheckGlob(t *testing.T) {
	tests := []struct {
		in      string
		wantErr string
	}{
		{in: "**/*.csv"},
		{in: "trainer/**"},
		{in: "{a,b}/*.go"},
		{in: "data/[a-c]*.csv"},
		{in: "", wantErr: "empty"},
		{in: "[abc", wantErr: "not a valid glob"},
		{in: "{a,b", wantErr: "not a valid glob"},
		{in: "/etc/*", wantErr: "absolute"},
		{in: "../other/**", wantErr: `uses ".."`},
		{in: "a/../../b", wantErr: `uses ".."`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			err := Glob(tt.in)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Glob(%q) = %v", tt.in, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Glob(%q) = %v; want error containing %q", tt.in, err, tt.wantErr)
			}
		})
	}
}

func TestCheckCron(t *testing.T) {
	for _, ok := range []string{"0 3 * * 1", "*/15 * * * *", "@daily", "@weekly", "@every 1h", "CRON_TZ=Europe/Paris 0 3 * * *"} {
		if err := Cron(ok); err != nil {
			t.Errorf("Cron(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "0 3 * *", "0 3 * * * *", "61 * * * *", "@sometimes", "CRON_TZ=Nowhere/City 0 3 * * *"} {
		if err := Cron(bad); err == nil {
			t.Errorf("Cron(%q) accepted", bad)
		}
	}
}

func TestCheckAlias(t *testing.T) {
	for _, ok := range []string{"production", "staging-eu", "canary_2", "_x"} {
		if err := Alias(ok); err != nil {
			t.Errorf("Alias(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "7", "2024", "prod uction", "a@b", "-x"} {
		if err := Alias(bad); err == nil {
			t.Errorf("Alias(%q) accepted", bad)
		}
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
