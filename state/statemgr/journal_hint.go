package statemgr

import "context"

// entryKey names one entry of a top-level state member: the member's JSON
// name ("models") and the entry's key ("churn").
type entryKey struct{ member, key string }

type changingKey struct{}

// changing returns the entries ctx announces (nil: none announced).
func changing(ctx context.Context) []entryKey {
	keys, _ := ctx.Value(changingKey{}).([]entryKey)
	return keys
}

func withChanging(ctx context.Context, add ...entryKey) context.Context {
	prev := changing(ctx)
	keys := make([]entryKey, 0, len(prev)+len(add))
	keys = append(append(keys, prev...), add...)
	return context.WithValue(ctx, changingKey{}, keys)
}

// The Changing* functions announce, through the context given to a
// JournalWriter's Write (apply's runners pass it to UpdateState), which
// entries a change touches, so the writer fingerprints those instead of
// the whole state: recording an action then costs what it changed. A
// write with no announcement compares every entry. Announcing too much is
// harmless; announcing too little would leave a change out of the journal
// until the next whole write, so builds with the mlformtest tag (every
// end-to-end test) compare every entry too and fail the write when an
// announcement missed one.

// ChangingModel announces a change to model name (and its numbering in
// removed_models, which State.EnsureModel clears).
func ChangingModel(ctx context.Context, name string) context.Context {
	return withChanging(ctx, entryKey{"models", name}, entryKey{"removed_models", name})
}

// ChangingDataset announces a change to dataset name's snapshot history.
func ChangingDataset(ctx context.Context, name string) context.Context {
	return withChanging(ctx, entryKey{"datasets", name})
}

// ChangingPolicy announces a change to retrain policy name's bookkeeping.
func ChangingPolicy(ctx context.Context, name string) context.Context {
	return withChanging(ctx, entryKey{"policies", name})
}

// ChangingPublication announces a change to promotion name's publication.
func ChangingPublication(ctx context.Context, name string) context.Context {
	return withChanging(ctx, entryKey{"publications", name})
}

// Announced returns, by member ("models", "datasets", "policies",
// "publications", "removed_models"), the entries ctx announces a change
// to touch; nil when nothing was announced, and then the change may have
// touched anything. The store roots' writer (planner/engine/storeroots.go)
// updates only these, as the journal does.
func Announced(ctx context.Context) map[string][]string {
	keys := changing(ctx)
	if len(keys) == 0 {
		return nil
	}
	out := map[string][]string{}
	for _, k := range keys {
		out[k.member] = append(out[k.member], k.key)
	}
	return out
}
