package statemgr

import (
	"testing"
)

func TestBucketLocation(t *testing.T) {
	for _, tc := range []struct{ url, want string }{
		{"s3://bucket?region=eu-west-1", "s3://bucket/state.json?region=eu-west-1"},
		{"s3://bucket?prefix=team/a/&region=eu-west-1", "s3://bucket/team/a/state.json?region=eu-west-1"},
		{"gs://b/", "gs://b/state.json"},
		{"azblob://c?sas_token=secret123", "azblob://c/state.json?sas_token=REDACTED"},
		{"mem://", "mem:///state.json"},
		// An empty query shows no "?".
		{"s3://bucket?", "s3://bucket/state.json"},
		{"s3://bucket/team/?", "s3://bucket/team/state.json"},
		{"s3://u:pw@bucket/team/?", "s3://u:REDACTED@bucket/team/state.json"},
	} {
		b := &bucketBackend{url: tc.url}
		if got := b.location(ObjectState); got != tc.want {
			t.Errorf("location(%q) = %q, want %q", tc.url, got, tc.want)
		}
	}
}
