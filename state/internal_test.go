package state

import (
	"bytes"
	"testing"
)

func TestScrubURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"data/churn", "data/churn"},
		{"s3://bucket/prefix?region=eu-west-1", "s3://bucket/prefix?region=eu-west-1"},
		{"https://user:hunter2@host/x", "https://user:REDACTED@host/x"},
		{"azblob://c?sas_token=abc&x=1", "azblob://c?sas_token=REDACTED&x=1"},
	} {
		if got := scrubURL(tc.in); got != tc.want {
			t.Errorf("scrubURL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	s := New()
	s.Datasets["d"] = &Dataset{Name: "d", Snapshots: []*Snapshot{{ID: "0123456789abcdef", Source: "s3://u:hunter2@b/p"}}}
	doc, err := Encode(s)
	if err != nil {
		t.Fatal(err)
	}
	if string(doc) == "" || bytes.Contains(doc, []byte("hunter2")) {
		t.Errorf("a credential reached the state document:\n%s", doc)
	}
}
