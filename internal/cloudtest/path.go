package cloudtest

import "strings"

// WithPath returns bucketURL with path between the bucket and the query:
// the key-prefix form every mlform URL understands
// ("s3://b?endpoint=..." with "team-a/state/" is
// "s3://b/team-a/state/?endpoint=...").
func WithPath(bucketURL, path string) string {
	base, query, hasQuery := strings.Cut(bucketURL, "?")
	u := strings.TrimSuffix(base, "/") + "/" + strings.TrimPrefix(path, "/")
	if hasQuery {
		u += "?" + query
	}
	return u
}
