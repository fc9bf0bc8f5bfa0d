// Package bloburl is mlform's grammar for bucket URLs, shared by every layer
// without depending on any storage driver: how a URL is taken apart
// (Location: a path on a bucket scheme is a key prefix), which schemes
// exist, a URL's identity for backend records, and redaction of
// credentials before a URL or an error reaches a message, log or file.
// providers/blob opens buckets from it; config checks URLs with it.
package bloburl
