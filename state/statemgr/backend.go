package statemgr

import (
	"context"
	"errors"
)

// Object names inside a backend. The backend URL names a directory or a
// bucket (with an optional prefix); these live directly under it.
const (
	ObjectState  = "state.json"
	ObjectBackup = "state.json.backup"
	ObjectLock   = "state.lock"
	// ObjectJournal (journal.go) holds changes recorded since state.json
	// was last written whole.
	// objectDamagedPrefix names the copies of damaged state documents kept
	// when a forced push replaces them (state.json.damaged-<time>).
	objectDamagedPrefix = "state.json.damaged-"
)

// maxObjectSize bounds what mlform reads from a backend: a state document
// of a very long-lived workspace is tens of megabytes; anything beyond this
// is not one, and reading it would only exhaust memory.
const maxObjectSize = 1 << 30

var (
	errNotExist = errors.New("object does not exist")
	errExists   = errors.New("object already exists")
)

// backend stores a workspace's state objects. Implementations: localBackend
// (file:// URLs and bare paths) and bucketBackend (every other gocloud.dev
// URL). Both guarantee that a reader sees an object whole: its previous
// content or its new one, never a mix or a prefix.
type backend interface {
	// get returns an object's content, or errNotExist.
	get(ctx context.Context, name string) ([]byte, error)
	// put replaces an object atomically.
	put(ctx context.Context, name string, data []byte) error
	// create writes an object only if none exists, atomically with respect
	// to other processes and machines; errExists when one does.
	create(ctx context.Context, name string, data []byte) error
	// remove deletes an object, or returns errNotExist.
	remove(ctx context.Context, name string) error
	// stat returns a token that changes whenever the object is replaced or
	// grows (size, modification time, file identity or ETag), or
	// errNotExist. It lets a run that writes often check that nobody
	// else wrote without reading the object back.
	stat(ctx context.Context, name string) (string, error)
	// location is the object's address for messages, credentials redacted.
	location(name string) string
	close() error
}
