package bloburl

import "testing"

func TestOverlaps(t *testing.T) {
	const ep = "?endpoint=http%3A%2F%2F127.0.0.1%3A9"
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"file://store", "file://store", true},
		{"file://store", "file://./store/", true},
		{"file://store", "file:///ws/store", true}, // relative to /ws
		{"file://store", "file://store/sub", true},
		{"file://.", "file://.mlform/state", true},
		{"file://store", "file://store-2", false},
		{"file://store", "file://published", false},
		{"file:///srv?prefix=state/", "file:///srv/state/x", true},
		{"file:///srv/a", "file:///srv/ab", false},
		{"s3://ml/a/", "s3://ml/a", true},
		{"s3://ml/a/" + ep, "s3://ml/a/b/" + ep + "&region=eu-west-1", true},
		{"s3://ml" + ep, "s3://ml/a/b/" + ep, true},
		{"s3://ml/a/" + ep, "s3://ml" + ep + "&prefix=a/b/", true},
		{"s3://ml/a/", "s3://ml/ab/", false},
		{"s3://ml/A/", "s3://ml/a/", false}, // keys are case-sensitive
		{"s3://ml/a/" + ep, "s3://ml/a/?endpoint=http%3A%2F%2F127.0.0.1%3A10", false},
		{"s3://ml/a/", "s3://other/a/", false},
		{"s3://ml/a/", "gs://ml/a/", false},
		{"azblob://c/a/?domain=127.0.0.1%3A1", "azblob://c/a/x/?domain=127.0.0.1%3A1&protocol=http", true},
		{"azblob://c/a/?storage_account=one", "azblob://c/a/?storage_account=two", false},
		{"mem://b/a/", "mem://b/", true},
		{"file://store", "mem://store/", false},
	} {
		la, err := Parse(c.a)
		if err != nil {
			t.Fatal(err)
		}
		lb, err := Parse(c.b)
		if err != nil {
			t.Fatal(err)
		}
		if got := la.Overlaps(lb, "/ws"); got != c.want {
			t.Errorf("Overlaps(%s, %s) = %v, want %v", c.a, c.b, got, c.want)
		}
		if got := lb.Overlaps(la, "/ws"); got != c.want {
			t.Errorf("Overlaps(%s, %s) = %v, want %v", c.b, c.a, got, c.want)
		}
	}
}

func TestHolds(t *testing.T) {
	ws := Location{Scheme: "file", Dir: "."}
	for u, want := range map[string]bool{
		"file://.": true, "file://./": true, "file://..": true, "file:///": true, "file:///ws": true,
		"file://published": false, "file://.mlform/published": false, "file:///ws2": false, "s3://b/": false,
	} {
		l, err := Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		if got := l.Holds(ws, "/ws"); got != want {
			t.Errorf("%s holds the workspace: %v, want %v", u, got, want)
		}
	}
}
