// Package publish copies a promoted version's artifacts, as plain files
// and a manifest (mlform-manifest.json), to a promotion's publish URL: a
// local directory (temp-and-rename, confined by os.Root) or a bucket. It
// is apart from the model steps because it owns a file format others read
// and the names it reserves in a train's outputs (ReservedOutput), which
// the step runner checks.
package publish
